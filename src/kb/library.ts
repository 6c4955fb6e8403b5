import { catalogueFor, rememberCatalogue } from '../diagnose/diagnose.ts';
import type { CauseCatalogue } from '../diagnose/score-causes.ts';
import { buildKnowledgeBase, type KnowledgeBase } from './knowledge-base.ts';
import { type ParsedArticle, parseArticle } from './parse-article.ts';
import { NotYetRead } from './record-table.ts';
import { buildSearchIndex, type SearchIndex, updateSearchIndex } from './search-index.ts';
import type { ArticleProblem, ArticleSource } from './types.ts';

/** What one file was when the library was built: how to tell it is unchanged, and what its parse found. */
export interface SourceRecord {
  file: string;
  digest: string;
  problems: ArticleProblem[];
  /**
   * How the file looked on disk when it was read (inode, size, times), where the builder knew:
   * a server on the same machine need not even read a file that still looks so.
   */
  signature?: string;
}

/** A knowledge base and its search index: what every request reads, swapped whole on reload. */
export interface Library {
  kb: KnowledgeBase;
  index: SearchIndex;
  loadedAt: Date;
  /** The files it was built from, for a prebuilt library to be matched against a folder. */
  sources: SourceRecord[];
  /**
   * Where article text is fetched when first needed (a Worker reads it from its static assets):
   * after computing an answer, a promise to fetch the text it asked for and did not have, the
   * answer then to be computed again; undefined when it had everything. See `withArticleText`.
   */
  pendingText?: () => Promise<void> | undefined;
}

/** How many times an answer is computed again while its article text arrives: text found once may link to more. */
const TEXT_ROUNDS = 4;
/**
 * How many times an answer is computed again when a record it needs is still to be fetched
 * (see `NotYetRead`): a diagnosis needs one round for its terms' phrase and word groups.
 */
const RECORD_ROUNDS = 6;

/**
 * `compute`'s result once every record and article text it read was here. Computing is
 * repeated after what was missing is fetched, so it must not change anything outside itself
 * (record after it). A record still missing after the last round is answered 503; text still
 * missing stays noted for the next request to fetch.
 */
export async function withArticleText<T>(library: Library, compute: () => T): Promise<T> {
  let textRounds = 0;
  let recordRounds = 0;
  for (;;) {
    let result: { value: T } | undefined;
    try {
      result = { value: compute() };
      textRounds += 1;
    } catch (error) {
      recordRounds += 1;
      if (!(error instanceof NotYetRead) || recordRounds >= RECORD_ROUNDS) throw error;
    }
    if (result && textRounds >= TEXT_ROUNDS) return result.value;
    const pending = library.pendingText?.();
    if (!pending) {
      if (result) return result.value;
      throw new NotYetRead();
    }
    await pending;
  }
}

/**
 * The knowledge base once every article's record is here (a Worker reads them when first
 * needed): for the agents' routes that look up causes by the ids events stored, any of
 * thousands. Walking the articles fetches every record still missing in one round.
 */
export async function withEveryArticle(library: Library): Promise<KnowledgeBase> {
  // Any walk does (see `lazyArray`); a library that reads where it is kept has nothing to fetch.
  if (library.pendingText) await withArticleText(library, () => [...library.kb.articles]);
  return library.kb;
}

type Parse = (source: ArticleSource) => ParsedArticle;

/**
 * A digest of a file's text (53-bit cyrb53 and the length): enough to tell that a prebuilt
 * library still matches a file; not a defence against anyone who can write the articles.
 */
export function textDigest(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16)}-${text.length.toString(16)}`;
}

/** A source's digest: the one it carries when its text was let go, or its text's. */
export function digestOf(source: ArticleSource): string {
  return source.digest ?? textDigest(source.text);
}

/** Parse through `parse`, noting each file's digest and parse problems. */
function recording(parse: Parse, records: SourceRecord[]): Parse {
  return (source) => {
    const result = parse(source);
    records.push({ file: source.file, digest: digestOf(source), problems: result.problems });
    return result;
  };
}

/** Compile what diagnosis needs now, so the first request after a start or reload pays nothing extra. */
export function ready(library: Library, prebuilt?: CauseCatalogue): Library {
  if (prebuilt) rememberCatalogue(library.kb, prebuilt);
  const catalogue = catalogueFor(library.kb);
  catalogue.phrases.prepare();
  catalogue.words.prepare();
  catalogue.numbering(library.index.causes);
  return library;
}

export function buildLibrary(sources: ArticleSource[], loadedAt: Date, parse: Parse = parseArticle): Library {
  const records: SourceRecord[] = [];
  const kb = buildKnowledgeBase(sources, recording(parse, records));
  return ready({ kb, index: buildSearchIndex(kb), loadedAt, sources: records });
}

/**
 * The library after a change: files whose text did not change keep their parsed article (from
 * `parse`, which the caller caches), and the index is updated from the previous one for the
 * articles that did change.
 */
export function rebuildLibrary(previous: Library, sources: ArticleSource[], parse: Parse, loadedAt: Date): Library {
  const records: SourceRecord[] = [];
  const kb = buildKnowledgeBase(sources, recording(parse, records));
  return ready({ kb, index: updateSearchIndex(previous, kb), loadedAt, sources: records });
}

/** A public article whose links to internal ones were hidden: it must be read again, as its text was changed. */
const HIDDEN_REFERENCE = /^public article refers to internal article /;

/**
 * The library for a folder, starting from a prebuilt one: files whose text still matches keep
 * their prebuilt article without being parsed, and their postings without being indexed; only
 * the rest are read. When every file matches, the prebuilt library is used as it is.
 * `parsed` receives every file's parse, reused or new, for the caller's cache.
 */
export function libraryFromPrebuilt(
  prebuilt: Library,
  sources: ArticleSource[],
  parse: Parse,
  parsed?: (source: ArticleSource, result: ParsedArticle) => void,
): { library: Library; reused: number } {
  const records = new Map(prebuilt.sources.map((record) => [record.file, record]));
  const articles = new Map(prebuilt.kb.articles.map((article) => [article.file, article]));
  const rewritten = new Set(
    prebuilt.kb.problems.filter((problem) => HIDDEN_REFERENCE.test(problem.message)).map((problem) => problem.file),
  );
  const kept = (source: ArticleSource): ParsedArticle | undefined => {
    const record = records.get(source.file);
    if (!record || source.unreadable || rewritten.has(source.file) || record.digest !== digestOf(source))
      return undefined;
    const article = articles.get(source.file);
    // A file that parsed and was still left out (its slug was taken) may be served now: read it again.
    if (!article && !record.problems.some((problem) => problem.severity === 'error')) return undefined;
    return { article: article ?? null, problems: record.problems };
  };
  const matches = sources.map(kept);
  const reused = matches.filter(Boolean).length;
  if (reused === sources.length && sources.length === prebuilt.sources.length) {
    sources.forEach((source, at) => {
      parsed?.(source, matches[at]!);
    });
    return { library: ready(prebuilt), reused };
  }
  const byFile = new Map(sources.map((source, at) => [source.file, matches[at]]));
  const reading: Parse = (source) => {
    const result = byFile.get(source.file) ?? parse(source);
    parsed?.(source, result);
    return result;
  };
  return { library: rebuildLibrary(prebuilt, sources, reading, new Date()), reused };
}
