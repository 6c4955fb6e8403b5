import { catalogueFor } from '../diagnose/diagnose.ts';
import { type CompiledPhrase, compilePhrase } from '../diagnose/phrase-matcher.ts';
import { CauseCatalogue, rememberCompiled, type StoredCatalogue } from '../diagnose/score-causes.ts';
import { LruMap } from '../lru-map.ts';
import { articleLinks, type KnowledgeBase, rememberLinks } from './knowledge-base.ts';
import { type Library, ready, type SourceRecord } from './library.ts';
import { PackedPositions, PackedStrings, packStrings, type StoredStrings } from './packed-strings.ts';
import {
  LazyMap,
  LibraryUnavailable,
  lazyArray,
  NotYetRead,
  RecordTable,
  type StoredRecords,
  writeRecords,
} from './record-table.ts';
import { encodeSentences, rememberSentences } from './search-articles.ts';
import { INDEX_FORMAT, loadSearchIndex, type SerialisedIndex, serialiseSearchIndex } from './search-index.ts';
import type { SerialisedTermIndex, TermIndex } from './term-index.ts';
import type { Article, ArticleProblem, Cause, CauseQuestion, Section, Step } from './types.ts';

export { LibraryUnavailable };

/**
 * A library as one file of bytes: validated articles, and the search index as arrays that load
 * without parsing. `npm run build` writes it; the Node server loads it at start when it matches
 * the articles, and the Worker reads it from its static assets. Loading needs neither
 * gray-matter nor a file system.
 *
 * Layout: the 4 bytes `FXLB`, a little-endian u32 with the length of a JSON header, a
 * little-endian f64 with where the cold part starts, the header, zero padding to a multiple of
 * 8, the header's long strings and number lists (each 8-aligned, see `moveOutOfLine`), the
 * index arrays and the record tables (each 8-aligned), then the cold part: the record
 * text of the tables read a record at a time (`COLD_TABLES`), and each article's body (UTF-8)
 * and its sentences for search snippets (`encodeSentences`). A reader may leave the cold part
 * where it is and read a record's or an article's share when first needed (`loadLibrary`'s
 * `readText`). An article's Markdown is stored once: its sections and steps
 * are ranges of its body, wherever they are found in it.
 */
export interface LibraryHeader {
  format: number;
  builtAt: string;
  /**
   * Each article's slug, and how many causes it declares, in knowledge base order. The
   * catalogue's cause ids are left out when they are the cause index's in the same order (as a
   * library built here has them).
   */
  slugs: StoredStrings;
  causeCounts: ArrayLike<number>;
  /** Every distinct question the causes ask; a cause names one by its position. */
  questions: SharedQuestion[];
  /** The cause index's header; the article index's is in the cold part, before its arrays. */
  index: Omit<SerialisedIndex, 'articles'>;
  /** The cause catalogue as diagnosis reads it, worked out at build. */
  catalogue: Omit<StoredCatalogue, 'ids'> & { ids?: string[] };
  /** Which buffers hold each record table (where each record ends, and the records' text). */
  tables: Record<TableName, [number, number]>;
  /** Where each buffer sits, after the header; the article text is the last. */
  buffers: Array<[number, number]>;
  /**
   * The first buffer of the cold part: the article index's header (JSON) and arrays, the cold
   * tables' record text, then the article text. The cause index's arrays are the first buffer.
   */
  cold: number;
  /**
   * The buffer of where each article's text starts in the article text (u32, one more than
   * the articles: its body, then its sentences), so that reading an article's record fetches
   * its text in the same round.
   */
  spans: number;
}

/**
 * Record tables, read one record at a time: `articles` (one `StoredArticle` each), `signals`
 * (each cause's compiled phrases and words), `phrases` and `words` (the catalogue's groups per
 * filing term), `cores` (what scoring reads of each cause), and `about` (record 0: the sources the library was built from; 1: the problems found).
 */
type TableName = 'articles' | 'signals' | 'phrases' | 'words' | 'cores' | 'about';
const TABLES: TableName[] = ['articles', 'signals', 'phrases', 'words', 'cores', 'about'];
/**
 * Tables whose record text is in the cold part, read a record at a time where it is kept: a
 * diagnosis reads the phrase and word groups of the input's terms only (a few dozen of
 * thousands) and the articles of the causes it names, answering never reads the causes'
 * signals, and only /healthz reads the build's problems. A route that walks every article
 * fetches the articles' records in one round (see `lazyArray`). Scoring reads the cores of
 * many causes: those load.
 */
const COLD_TABLES: TableName[] = ['articles', 'signals', 'phrases', 'words', 'about'];

/**
 * A compiled phrase: where its text is among the cause's phrases (or words), its terms joined by
 * spaces, and 1 when matched word for word. The text itself is the cause's, not a copy.
 */
type StoredPhrase = [number, string, 0 | 1];

function storePhrases(texts: string[]): StoredPhrase[] {
  const stored: StoredPhrase[] = [];
  texts.forEach((text, at) => {
    const phrase = compilePhrase(text);
    if (phrase.terms.length > 0) stored.push([at, phrase.terms.join(' '), phrase.exact ? 1 : 0]);
  });
  return stored;
}

/** Phrases restored with their texts taken from the cause and each distinct term held once. */
function restorePhrases(stored: StoredPhrase[], texts: string[], terms: Map<string, string>): CompiledPhrase[] {
  const intern = (term: string): string => {
    const known = terms.get(term);
    if (known !== undefined) return known;
    terms.set(term, term);
    return term;
  };
  return stored.map(([at, joined, exact]) => ({
    text: texts[at] ?? '',
    terms: joined.split(' ').map(intern),
    exact: exact === 1,
  }));
}

/** Markdown kept as itself, or as a [start, end) range of the article's body. */
type StoredText = string | [number, number];

/** A cause's signals as its article's record keeps them: the phrases and words are in the `signals` table. */
type StoredSignals = Omit<Cause['signals'], 'phrases' | 'words'>;

/** A cause's phrases and words, as written and compiled: read when first needed (a rebuild, an export). */
interface StoredCauseSignals {
  phrases: string[];
  words: string[];
  compiled: { phrases: StoredPhrase[]; words: StoredPhrase[] };
}

export type StoredArticle = Omit<Article, 'sections' | 'steps' | 'body' | 'causes'> & {
  causes: Array<Omit<Cause, 'questions' | 'signals'> & { questions: StoredQuestion[]; signals: StoredSignals }>;
  /** Byte offset and length of the body in the text buffer (the last buffer). */
  body: [number, number];
  /** The articles its text links to (see `articleLinks`), so a rebuild need not read the text. */
  links: string[];
  /** Where its sentences for search snippets are (`encodeSentences`), beside the text. */
  sentences: [number, number];
  sections: Array<Omit<Section, 'markdown'> & { markdown: StoredText }>;
  steps: Array<Omit<Step, 'markdown'> & { markdown: StoredText }>;
};

const MAGIC = 0x424c5846; // "FXLB" read as a little-endian u32
/** Magic, header length (u32), where the cold part starts (f64). */
const PREFIX_BYTES = 16;

function stored(body: string, markdown: string, from: { at: number }): StoredText {
  if (markdown === '') return '';
  let start = body.indexOf(markdown, from.at);
  if (start < 0) start = body.indexOf(markdown);
  if (start < 0) return markdown;
  from.at = start;
  return [start, start + markdown.length];
}

function storeArticle(article: Article, text: TextWriter, questions: QuestionTable, index: TermIndex): StoredArticle {
  const cursor = { at: 0 };
  const sections = article.sections.map((section) => ({
    ...section,
    markdown: stored(article.body, section.markdown, cursor),
  }));
  cursor.at = 0;
  const steps = article.steps.map((step) => ({ ...step, markdown: stored(article.body, step.markdown, cursor) }));
  const causes = article.causes.map(({ signals: { phrases: _phrases, words: _words, ...signals }, ...cause }) => ({
    ...cause,
    signals,
    questions: cause.questions.map((q) => questions.add(q)),
  }));
  return {
    ...article,
    causes,
    body: text.add(article.body),
    sentences: text.addBytes(encodeSentences(article, index)),
    links: articleLinks(article),
    sections,
    steps,
  };
}

/** Article bodies as UTF-8, one after another. */
class TextWriter {
  private readonly encoder = new TextEncoder();
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  add(text: string): [number, number] {
    return this.addBytes(this.encoder.encode(text));
  }

  addBytes(bytes: Uint8Array): [number, number] {
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
    return [this.size - bytes.byteLength, bytes.byteLength];
  }

  bytes(): Uint8Array {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.byteLength;
    }
    return all;
  }
}

const decoder = new TextDecoder();

/**
 * How many articles' decoded text a library keeps, the least recently read dropped first: a
 * request reads a few articles, and one that has read them all (a long-lived Worker isolate)
 * would otherwise hold every body as a string (about 29 MB at 2,000 long articles).
 */
const BODIES_KEPT = 64;

/** Decoded article bodies by the offset of their text. */
type BodyCache = LruMap<number, string>;

/**
 * An article whose text is decoded when read (and kept among the last few read): loading a
 * library parses only what ranking needs, and an article nobody asks for keeps its text as
 * bytes. Sections and steps are slices of the body (a slice of a long string shares its
 * characters in V8).
 */
function restoreArticle(
  article: StoredArticle,
  text: TextReader,
  questions: SharedQuestion[],
  signalsOf: (which: number) => StoredCauseSignals,
  bodies: BodyCache,
): Article {
  const [offset, length] = article.body;
  // Text still being fetched reads as empty and is not kept: the request is answered again once it is here.
  const bodyOf = (): string => {
    let body = bodies.get(offset);
    if (body === undefined) {
      const bytes = text(offset, length);
      if (!bytes) return '';
      body = decoder.decode(bytes);
      bodies.set(offset, body);
    }
    return body;
  };
  const textOf = (markdown: StoredText): string =>
    typeof markdown === 'string' ? markdown : bodyOf().slice(markdown[0], markdown[1]);
  // Object literals with getters: own, enumerable properties, as parsed articles have.
  const sections = article.sections.map(({ id, heading, level, markdown }) => ({
    id,
    heading,
    level,
    get markdown() {
      return textOf(markdown);
    },
  }));
  const steps = article.steps.map(({ id, title, markdown }) => ({
    id,
    title,
    get markdown() {
      return textOf(markdown);
    },
  }));
  const causes = article.causes.map(({ questions: asked, signals, ...cause }, which) => {
    let stored: StoredCauseSignals | undefined;
    const own = (): StoredCauseSignals => {
      stored ??= signalsOf(which);
      return stored;
    };
    return {
      ...cause,
      // Phrases and words are read for a rebuild or an export, not to answer: they stay in their record until then.
      signals: {
        ...signals,
        get phrases() {
          return own().phrases;
        },
        get words() {
          return own().words;
        },
      },
      questions: asked.map(([at, expect]): CauseQuestion => ({ ...questions[at]!, expect })),
    };
  });
  const { links, body: _body, sentences: _sentences, ...rest } = article;
  const restored: Article = {
    ...rest,
    causes,
    sections,
    steps,
    get body() {
      return bodyOf();
    },
  };
  rememberLinks(restored, links);
  return restored;
}

/** A question as causes share it (what it asks and offers), and as one cause declares it (which answers it gives). */
type SharedQuestion = Omit<CauseQuestion, 'expect'>;
type StoredQuestion = [number, string[]];

/**
 * Causes across a knowledge base ask the same questions ("What status does the failing response
 * have?"): each is stored once, and a cause names it with the answers it expects.
 */
class QuestionTable {
  readonly questions: SharedQuestion[] = [];
  private readonly positions = new Map<string, number>();

  add({ expect, ...question }: CauseQuestion): StoredQuestion {
    const key = JSON.stringify(question);
    let at = this.positions.get(key);
    if (at === undefined) {
      at = this.questions.length;
      this.positions.set(key, at);
      this.questions.push(question);
    }
    return [at, expect];
  }
}

export function serialiseLibrary(library: Library): Uint8Array {
  const index = serialiseSearchIndex(library.index);
  const text = new TextWriter();
  const questions = new QuestionTable();
  const articles = library.kb.articles.map((article) => storeArticle(article, text, questions, library.index.articles));
  const catalogue = catalogueFor(library.kb).store();
  const records: Record<TableName, StoredRecords> = {
    articles: writeRecords(articles),
    signals: writeRecords(
      library.kb.causes.map(
        ({ signals }): StoredCauseSignals => ({
          phrases: signals.phrases,
          words: signals.words,
          compiled: { phrases: storePhrases(signals.phrases), words: storePhrases(signals.words) },
        }),
      ),
    ),
    phrases: writeRecords(catalogue.phrases),
    words: writeRecords(catalogue.words),
    cores: writeRecords(catalogue.cores),
    about: writeRecords([library.sources, library.kb.problems]),
  };
  // The cause index loads; the article index is read when a search first needs it.
  const [articleIndex, causeIndex] = index.buffers;
  const all: Uint8Array[] = [causeIndex!];
  const tables = {} as LibraryHeader['tables'];
  // Where each record ends, and the text of the tables every request reads, are loaded; the
  // text of the others goes to the cold part, before the article text.
  for (const name of TABLES) {
    const { ends, text: recordText } = records[name];
    tables[name] = [all.length, all.length + 1];
    all.push(new Uint8Array(ends.buffer, ends.byteOffset, ends.byteLength));
    if (!COLD_TABLES.includes(name)) all.push(recordText);
  }
  const spans = all.length;
  const starts = new Uint32Array(articles.length + 1);
  articles.forEach((article, at) => {
    starts[at] = article.body[0];
  });
  const articleText = text.bytes();
  starts[articles.length] = articleText.byteLength;
  all.push(new Uint8Array(starts.buffer));
  const cold = all.length;
  all.push(asciiJson(index.header.articles), articleIndex!);
  for (const name of COLD_TABLES) {
    tables[name][1] = all.length;
    all.push(records[name].text);
  }
  all.push(articleText);
  const buffers: Array<[number, number]> = [];
  let size = 0;
  for (const buffer of all) {
    buffers.push([size, buffer.byteLength]);
    size += Math.ceil(buffer.byteLength / 8) * 8;
  }
  const { ids, ...stored } = catalogue.catalogue;
  const { articles: _articles, ...causeIndexHeader } = index.header;
  const header: LibraryHeader = {
    format: INDEX_FORMAT,
    builtAt: library.loadedAt.toISOString(),
    slugs: packStrings(
      library.kb.articles.map((article) => article.slug),
      true,
    ),
    causeCounts: library.kb.articles.map((article) => article.causes.length),
    questions: questions.questions,
    index: causeIndexHeader,
    catalogue: sameList(ids, library.index.causes.ids) ? stored : { ...stored, ids },
    tables,
    buffers,
    cold,
    spans,
  };
  const pieces: Uint8Array[] = [];
  const inline = moveOutOfLine(header, pieces, false) as Record<string, unknown>;
  const placed: Array<[number, number]> = [];
  let piecesBytes = 0;
  for (const piece of pieces) {
    placed.push([piecesBytes, piece.byteLength]);
    piecesBytes += Math.ceil(piece.byteLength / 8) * 8;
  }
  const json = asciiJson({ ...inline, pieces: { at: placed, bytes: piecesBytes } });
  const piecesStart = Math.ceil((PREFIX_BYTES + json.byteLength) / 8) * 8;
  const start = piecesStart + piecesBytes;
  const bytes = new Uint8Array(start + size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.byteLength, true);
  // Where the cold part starts, so a reader can leave it on disk (see `textStartOf`).
  view.setFloat64(8, start + buffers[cold]![0], true);
  bytes.set(json, PREFIX_BYTES);
  pieces.forEach((piece, which) => {
    bytes.set(piece, piecesStart + placed[which]![0]);
  });
  all.forEach((buffer, which) => {
    bytes.set(buffer, start + buffers[which]![0]);
  });
  return bytes;
}

/**
 * The header's long strings and long lists of whole numbers (packed ids, slugs and terms, where
 * each ends, the causes per article) are kept beside its JSON as bytes, and the JSON names them
 * by position: `{"$text": n}`, `{"$u32": n}`. Parsing 400 KB of JSON cost a first request at
 * 2,000 articles about 1 ms; the JSON is now 20 KB, and the lists are read in place.
 */
const OUT_OF_LINE_TEXT = 256;
const OUT_OF_LINE_LIST = 64;

const isU32 = (item: unknown): boolean => typeof item === 'number' && item >>> 0 === item;

/**
 * `value` with its long strings and number lists moved to `pieces`. Lists within lists stay (a
 * group's members), and so does anything in a list that starts with a number.
 */
function moveOutOfLine(value: unknown, pieces: Uint8Array[], inList: boolean): unknown {
  if (typeof value === 'string') {
    if (value.length < OUT_OF_LINE_TEXT) return value;
    pieces.push(new TextEncoder().encode(value));
    return { $text: pieces.length - 1 };
  }
  if (ArrayBuffer.isView(value)) value = Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) {
    if (!inList && value.length >= OUT_OF_LINE_LIST && value.every(isU32)) {
      pieces.push(new Uint8Array(Uint32Array.from(value as number[]).buffer));
      return { $u32: pieces.length - 1 };
    }
    // A list that starts with a number is kept as it is, so that reading it back need not walk it.
    if (typeof value[0] === 'number') return value;
    return value.map((item) => moveOutOfLine(item, pieces, true));
  }
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, moveOutOfLine(item, pieces, false)]));
  return value;
}

/** The piece a marker names, or undefined when `value` is not a marker. */
function pieceOf(value: object, piece: (which: number) => Uint8Array): string | Uint32Array | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const which = (value as Record<string, unknown>)[keys[0]!];
  if (typeof which !== 'number') return undefined;
  if (keys[0] === '$text') return decoder.decode(piece(which));
  if (keys[0] === '$u32') return u32(piece(which));
  return undefined;
}

/** Puts the pieces back where their markers are, in place. */
function restoreOutOfLine(value: unknown, piece: (which: number) => Uint8Array): void {
  if (value === null || typeof value !== 'object') return;
  // Nothing was moved out of a list that starts with a number (see `moveOutOfLine`): thousands
  // of numbers are not walked, unoptimised, at a first request.
  if (Array.isArray(value) && typeof value[0] === 'number') return;
  const holder = value as Record<string | number, unknown>;
  for (const slot of Array.isArray(value) ? value.keys() : Object.keys(holder)) {
    const item = holder[slot];
    if (item === null || typeof item !== 'object') continue;
    const restored = pieceOf(item, piece);
    if (restored === undefined) restoreOutOfLine(item, piece);
    else holder[slot] = restored;
  }
}

/** JSON written as ASCII (other characters escaped): decoding and parsing it is a quarter quicker. */
function asciiJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  );
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item, at) => item === b[at]);
}

/** The header alone: what a library was built from and when, without loading its index. */
export function readLibraryHeader(bytes: Uint8Array): { header: LibraryHeader; start: number } {
  const length = headerLength(bytes);
  if (PREFIX_BYTES + length > bytes.byteLength)
    throw new Error('library data: the file is cut short; run `npm run build` again');
  const header = JSON.parse(decoder.decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + length))) as LibraryHeader & {
    pieces: { at: Array<[number, number]>; bytes: number };
  };
  if (header.format !== INDEX_FORMAT)
    throw new Error(`library data: format ${header.format} is not ${INDEX_FORMAT}; run \`npm run build\` again`);
  const { pieces, ...rest } = header;
  const piecesStart = Math.ceil((PREFIX_BYTES + length) / 8) * 8;
  if (piecesStart + pieces.bytes > bytes.byteLength)
    throw new Error('library data: the file is cut short; run `npm run build` again');
  restoreOutOfLine(rest, (which) => {
    const [offset, size] = pieces.at[which] ?? [];
    if (offset === undefined || size === undefined || offset + size > pieces.bytes)
      throw new Error('library data: the header names a piece it does not have; run `npm run build` again');
    return bytes.subarray(piecesStart + offset, piecesStart + offset + size);
  });
  return { header: rest, start: piecesStart + pieces.bytes };
}

function headerLength(bytes: Uint8Array): number {
  if (bytes.byteLength < PREFIX_BYTES)
    throw new Error('library data: the file is too short; run `npm run build` again');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC)
    throw new Error('library data: not a fixpath library; run `npm run build` again');
  return view.getUint32(4, true);
}

/** How many bytes of a library come before its cold part: what must be read to load it, given its first 16 bytes. */
export function textStartOf(prefix: Uint8Array): number {
  headerLength(prefix);
  return new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getFloat64(8, true);
}

/**
 * Reads `length` bytes of the cold part from `offset` (within it), wherever it is kept;
 * undefined while they are still to be fetched (a Worker reads the cold part from its static
 * assets when first needed: see `Library.pendingText`).
 */
export type TextReader = ((offset: number, length: number) => Uint8Array | undefined) & {
  /**
   * Whether those bytes are here, noting them for fetching when not: what `read` would say,
   * without making a view or joining chunks (readiness is asked of every record a walk or a
   * text needs).
   */
  has?: (offset: number, length: number) => boolean;
};

/**
 * A library from its bytes, or from the parts it was cut into (`libraryFromParts`). With
 * `readText`, the bytes may stop where the cold part starts (`textStartOf`): it stays where it
 * is, on disk or in static assets, and each record or article's text is read when first needed.
 */
export function loadLibrary(
  data: Uint8Array | LibraryParts,
  readText?: TextReader,
  pendingText?: Library['pendingText'],
): Library {
  const parts = data instanceof Uint8Array ? [{ start: 0, bytes: data }] : data;
  /** The bytes from `from` to `to`, which one part must hold whole. */
  const view = (from: number, to: number, what: string): Uint8Array => {
    const part = parts.find(({ start, bytes }) => start <= from && to <= start + bytes.byteLength);
    if (!part) throw new Error(`library data: the ${what} is cut short; run \`npm run build\` again`);
    return part.bytes.subarray(from - part.start, to - part.start);
  };
  const { header, start } = readLibraryHeader(parts[0]!.bytes);
  const buffers = header.buffers
    .slice(0, header.cold)
    .map(([offset, length]) => view(start + offset, start + offset + length, 'index'));
  // The cold part, from its first buffer to the end of the article text.
  const [coldOffset] = header.buffers[header.cold]!;
  const [textOffset] = header.buffers.at(-1)!;
  const coldStart = start + coldOffset;
  if (!readText)
    for (const [offset, length] of header.buffers.slice(header.cold))
      view(start + offset, start + offset + length, 'article text');
  const cold: TextReader =
    readText ?? ((offset, length) => view(coldStart + offset, coldStart + offset + length, 'article text'));
  const text: TextReader = (offset, length) => cold(textOffset - coldOffset + offset, length);
  /** A whole buffer of the cold part, or undefined while it is still to be fetched. */
  const coldBuffer = (which: number): Uint8Array | undefined => {
    const [offset, length] = header.buffers[which]!;
    return cold(offset - coldOffset, length);
  };
  const index = loadSearchIndex(header.index, {
    causes: buffers[0]!,
    articles: () => {
      // Both asked for before either is used, so that one fetch brings them.
      const json = coldBuffer(header.cold);
      const bytes = coldBuffer(header.cold + 1);
      if (!json || !bytes) return undefined;
      return { header: JSON.parse(decoder.decode(json)) as SerialisedTermIndex, bytes };
    },
  });
  const table = <T>(name: TableName): RecordTable<T> => {
    const [ends, recordText] = header.tables[name];
    if (recordText < header.cold) return new RecordTable<T>({ ends: u32(buffers[ends]!), text: buffers[recordText]! });
    const [offset, size] = header.buffers[recordText]!;
    const base = offset - coldOffset;
    const has = cold.has;
    return new RecordTable<T>({
      ends: u32(buffers[ends]!),
      text: {
        size,
        read: (from, to) => cold(base + from, to - from),
        ...(has ? { has: (from: number, to: number) => has(base + from, to - from) } : {}),
      },
    });
  };
  const stored = table<StoredArticle>('articles');
  const signals = table<StoredCauseSignals>('signals');
  const about = table<unknown>('about');
  const slugs = new PackedStrings(header.slugs);
  if (stored.length !== slugs.length)
    throw new Error('library data: the articles do not match their list; run `npm run build` again');
  // Indexed loops here and below: this runs once per isolate, at its first request, unoptimised.
  const { causeCounts } = header;
  const firstCause = new Uint32Array(causeCounts.length);
  let causeCount = 0;
  for (let at = 0; at < causeCounts.length; at += 1) {
    firstCause[at] = causeCount;
    causeCount += causeCounts[at]!;
  }
  const terms = new Map<string, string>();
  const bodies: BodyCache = new LruMap(BODIES_KEPT);
  const spans = u32(buffers[header.spans]!);
  const articles = lazyArray(
    stored.length,
    (at) => {
      let record: StoredArticle;
      try {
        record = stored.get(at);
      } catch (error) {
        // Its text is fetched with it: whoever reads an article's record reads its text next.
        if (error instanceof NotYetRead) text(spans[at]!, spans[at + 1]! - spans[at]!);
        throw error;
      }
      const article = restoreArticle(
        record,
        text,
        header.questions,
        (which) => signals.get(firstCause[at]! + which),
        bodies,
      );
      const [offset, length] = record.sentences;
      rememberSentences(
        article,
        () => index.articles,
        () => text(offset, length),
      );
      article.causes.forEach((cause, which) => {
        rememberCompiled(cause, () => {
          const { compiled } = signals.get(firstCause[at]! + which);
          return {
            phrases: restorePhrases(compiled.phrases, cause.signals.phrases, terms),
            words: restorePhrases(compiled.words, cause.signals.words, terms),
          };
        });
      });
      return article;
    },
    // Only a library read on demand can lack a record: one read where it is kept is never asked whether it has one.
    pendingText && ((at) => stored.has(at)),
  );
  const articleOf = new Uint32Array(causeCount);
  for (let article = 0; article < causeCounts.length; article += 1)
    articleOf.fill(article, firstCause[article]!, firstCause[article]! + causeCounts[article]!);
  const causes = lazyArray(
    causeCount,
    (at) => articles[articleOf[at]!]!.causes[at - firstCause[articleOf[at]!]!]!,
    pendingText && ((at) => stored.has(articleOf[at]!)),
  );
  const ids = header.catalogue.ids ?? index.causes.ids;
  if (ids.length !== causeCount)
    throw new Error('library data: the causes do not match their list; run `npm run build` again');
  const catalogue = CauseCatalogue.restore(
    causes,
    { ...header.catalogue, ids },
    {
      phrases: table('phrases'),
      words: table('words'),
      cores: table('cores'),
    },
    // Ids the cause index keeps are looked up where they are, without a map of thousands.
    header.catalogue.ids ? undefined : () => index.causes.numbers,
  );
  let problems: ArticleProblem[] | undefined;
  const kb: KnowledgeBase = {
    articles,
    bySlug: new LazyMap(new PackedPositions(slugs), (at) => articles[at]!),
    causes,
    // The catalogue's numbers are the causes' positions: one map serves both.
    byCauseId: new LazyMap(
      () => catalogue.numbers,
      (at) => causes[at]!,
    ),
    get problems() {
      problems ??= about.get(1) as ArticleProblem[];
      return problems;
    },
  };
  let sources: SourceRecord[] | undefined;
  const library: Library = {
    kb,
    index,
    loadedAt: new Date(header.builtAt),
    ...(pendingText ? { pendingText } : {}),
    get sources() {
      sources ??= about.get(0) as SourceRecord[];
      return sources;
    },
  };
  return ready(library, catalogue);
}

/** A u32 array over `bytes`, copied once when they do not start on a 4-byte boundary. */
function u32(bytes: Uint8Array): Uint32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** The Worker's copy of a library, as static assets no larger than the platform allows. */
export const LIBRARY_MANIFEST = 'manifest.json';
/** Workers static assets may be 25 MiB each; parts stay under, so that most libraries load from one part, uncopied. */
export const LIBRARY_PART_BYTES = 24 * 1024 * 1024;
/**
 * The cold part is fetched in chunks of this size when first needed: an answer reads a few
 * records and articles, scattered, so a chunk is about an article's text (a first diagnosis at
 * 2,000 articles reads about 30 chunks: 0.5 MiB at this size, 1.9 MiB at 64 KiB).
 */
export const LIBRARY_TEXT_CHUNK_BYTES = 16 * 1024;
/** The article index, read whole by the first search, comes in chunks of this size: fewer fetches. */
export const LIBRARY_BULK_CHUNK_BYTES = 256 * 1024;
/**
 * The articles' records come in chunks of this size: a diagnosis reads a few, a route that
 * walks every article (the listing, chat) all of them, in a number of fetches that stays well
 * under the platform's per-request subrequest limit (72 at 2,000 long articles, 360 at 10,000).
 */
export const LIBRARY_WALK_CHUNK_BYTES = 64 * 1024;
/**
 * The most chunks a library is cut into (Workers allow 20,000 static assets per version): past
 * it, chunks grow (doubling) until the cold part fits, about at 15,000 long articles.
 */
export const LIBRARY_MAX_CHUNKS = 16_000;
/**
 * A cold part up to this size is read with the parts: fetching it whole costs less than
 * computing an answer again once its chunk has come, which is what fetching on demand costs.
 * The bundled articles' is 0.9 MiB, above it: a Worker with them reads on demand as one with
 * thousands of articles does, so the tests in workerd cover that way.
 */
export const LIBRARY_INLINE_TEXT_BYTES = 256 * 1024;

export interface LibraryManifest {
  /** The whole library's size; the parts hold its first `textStart` bytes (up to the cold part), the chunks the rest. */
  bytes: number;
  textStart: number;
  parts: Array<{ name: string; start: number; length: number }>;
  /**
   * `inParts`: the cold part is small and the parts hold it too, read with them; there are no
   * chunks. Else the chunks, named `text-<n>.bin` one after another, as runs of [chunk size,
   * bytes the run covers] (its last chunk may be shorter): the manifest stays small (the first
   * request parses it) whatever the number of chunks. See `chunksOf`.
   */
  text: { runs: Array<[number, number]>; inParts: boolean };
}

/**
 * Where the chunks of the cold part lie, worked out from its runs (a few) rather than listed
 * (thousands): finding the chunk that holds a byte is arithmetic, asked of every record read.
 */
class ChunkLayout {
  /** Per run: its first chunk, where it starts in the cold part, its chunk size and where it ends. */
  private readonly runs: Array<{ first: number; start: number; size: number; end: number }> = [];
  /** How many chunks there are. */
  readonly count: number;
  /** Where the cold part ends. */
  readonly end: number;

  constructor(text: LibraryManifest['text']) {
    let first = 0;
    let start = 0;
    for (const [size, bytes] of text.runs) {
      if (!(size > 0 && bytes > 0)) throw new Error('library data: the manifest lists an empty run; deploy again');
      this.runs.push({ first, start, size, end: start + bytes });
      first += Math.ceil(bytes / size);
      start += bytes;
    }
    this.count = first;
    this.end = start;
  }

  private runOf(chunk: number): { first: number; start: number; size: number; end: number } {
    let run = this.runs[0]!;
    for (const next of this.runs) if (next.first <= chunk) run = next;
    return run;
  }

  /** Where chunk `chunk` starts; `count` gives where the cold part ends. */
  startOf(chunk: number): number {
    if (chunk >= this.count) return this.end;
    const run = this.runOf(chunk);
    return run.start + (chunk - run.first) * run.size;
  }

  /** The chunk holding byte `offset` (the last when past the end). */
  chunkAt(offset: number): number {
    if (offset >= this.end) return this.count - 1;
    for (const run of this.runs)
      if (offset < run.end) return run.first + Math.floor(Math.max(0, offset - run.start) / run.size);
    return this.count - 1;
  }
}

/** The name of the asset holding chunk `at` of the cold part. */
const chunkName = (at: number): string => `text-${at}.bin`;

/** Every chunk of the cold part: its asset's name, where it starts in the cold part and its length. */
export function chunksOf(text: LibraryManifest['text']): Array<{ name: string; start: number; length: number }> {
  const layout = new ChunkLayout(text);
  return Array.from({ length: layout.count }, (_, at) => ({
    name: chunkName(at),
    start: layout.startOf(at),
    length: layout.startOf(at + 1) - layout.startOf(at),
  }));
}

/** How `libraryParts` cuts a library; each size defaults to the constant of its name. */
export interface PartSizes {
  partBytes?: number;
  chunkBytes?: number;
  walkChunkBytes?: number;
  bulkChunkBytes?: number;
  inlineTextBytes?: number;
  maxChunks?: number;
}

/**
 * How a library is cut into static assets: parts for what a load reads, chunks for the cold
 * part (the article index, read whole, in chunks of `bulkChunkBytes`; the articles' records in
 * chunks of `walkChunkBytes`; the other records and article text, read a piece at a time, in
 * chunks of `chunkBytes`). A part ends where an array begins, so that each array lies whole in
 * one part and is used there, without joining the parts into one copy.
 */
export function libraryParts(bytes: Uint8Array, sizes: PartSizes = {}): LibraryManifest {
  const {
    partBytes = LIBRARY_PART_BYTES,
    chunkBytes = LIBRARY_TEXT_CHUNK_BYTES,
    walkChunkBytes = LIBRARY_WALK_CHUNK_BYTES,
    bulkChunkBytes = LIBRARY_BULK_CHUNK_BYTES,
    inlineTextBytes = LIBRARY_INLINE_TEXT_BYTES,
    maxChunks = LIBRARY_MAX_CHUNKS,
  } = sizes;
  const textStart = textStartOf(bytes);
  const inParts = bytes.byteLength - textStart <= inlineTextBytes;
  const { header, start: arraysStart } = readLibraryHeader(bytes);
  const parts: LibraryManifest['parts'] = [];
  if (arraysStart > partBytes) throw new Error('library data: the header is more than a static asset may hold');
  let partStart = 0;
  const close = (end: number): void => {
    parts.push({ name: `part-${parts.length}.bin`, start: partStart, length: end - partStart });
    partStart = end;
  };
  for (const [offset, length] of inParts ? header.buffers : header.buffers.slice(0, header.cold)) {
    const from = arraysStart + offset;
    if (from + length - partStart > partBytes && from > partStart) close(from);
    if (from + length - partStart > partBytes)
      throw new Error(
        `library data: an array of ${(length / 1048576).toFixed(1)} MiB is more than a static asset may hold; split the knowledge base`,
      );
  }
  const runs: LibraryManifest['text']['runs'] = [];
  if (inParts) {
    close(bytes.byteLength);
    return { bytes: bytes.byteLength, textStart, parts, text: { runs, inParts } };
  }
  close(textStart);
  // The cold part opens with the article index (its header, then its arrays), then the
  // articles' records; the other records and the article text follow.
  const coldBytes = bytes.byteLength - textStart;
  const endOf = (buffer: number): number => {
    const [offset, length] = header.buffers[buffer]!;
    return Math.min(bytes.byteLength, arraysStart + offset + length) - textStart;
  };
  const indexEnd = endOf(header.cold + 1);
  const articlesEnd = Math.max(indexEnd, endOf(header.tables.articles[1]));
  let small = chunkBytes;
  const count = (size: number) =>
    Math.ceil(indexEnd / bulkChunkBytes) +
    Math.ceil((articlesEnd - indexEnd) / walkChunkBytes) +
    Math.ceil((coldBytes - articlesEnd) / size);
  while (count(small) > maxChunks && small < coldBytes) small *= 2;
  const cut = (from: number, to: number, size: number): void => {
    if (to > from) runs.push([size, to - from]);
  };
  cut(0, indexEnd, bulkChunkBytes);
  cut(indexEnd, articlesEnd, walkChunkBytes);
  cut(articlesEnd, coldBytes, small);
  return { bytes: bytes.byteLength, textStart, parts, text: { runs, inParts } };
}

/** A library up to its article text as the parts it was cut into, each where it starts: loaded without joining them. */
export type LibraryParts = Array<{ start: number; bytes: Uint8Array }>;

/** The parts fetched for `manifest`, checked, in place for `loadLibrary`. */
export function libraryFromParts(manifest: LibraryManifest, parts: Uint8Array[]): LibraryParts {
  if (parts.length !== manifest.parts.length) throw new Error('library data: a part is missing; deploy again');
  return parts.map((bytes, at) => {
    const expected = manifest.parts[at]!;
    if (bytes.byteLength !== expected.length)
      throw new Error(`library data: ${expected.name} is the wrong size; deploy again`);
    return { start: expected.start, bytes };
  });
}

/**
 * The cold part (record and article text) read from static assets in chunks, each fetched the
 * first time a request needs it. `read` answers from the chunks already here and notes the
 * rest; `pending` fetches what was noted, for the request to be answered again (see
 * `Library.pendingText`).
 */
export class ChunkedText {
  /** The chunks here, least recently used first (a Map keeps the order they were set in). */
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly missing = new Set<number>();
  private readonly fetching = new Map<number, Promise<void>>();
  private bytesHere = 0;
  private readonly layout: ChunkLayout;

  /**
   * `maxBytes`: the most chunk bytes kept; past it the least recently used chunks are dropped,
   * to be fetched again if a request needs them. Well above what one request reads (a
   * diagnosis reads about 2 MB), so a request's own chunks are not dropped under it; a read
   * larger than it (the article index of a library of over 10,000 articles) raises it to that
   * read and `READ_ROOM` besides, or the read's chunks could never all be here at once.
   */
  constructor(
    layout: LibraryManifest['text'],
    private readonly fetchChunk: (name: string) => Promise<Uint8Array>,
    private maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.layout = new ChunkLayout(layout);
  }

  /** What the budget keeps beside the largest read, for the other requests' chunks. */
  static readonly READ_ROOM = 4 * 1024 * 1024;

  /** The most chunk bytes kept now. */
  get budget(): number {
    return this.maxBytes;
  }

  /** The bytes of the chunks kept. */
  get keptBytes(): number {
    return this.bytesHere;
  }

  private chunk(at: number): Uint8Array | undefined {
    const bytes = this.chunks.get(at);
    if (bytes) {
      this.chunks.delete(at);
      this.chunks.set(at, bytes);
    }
    return bytes;
  }

  private keep(at: number, bytes: Uint8Array): void {
    this.chunks.set(at, bytes);
    this.bytesHere += bytes.byteLength;
    for (const [oldest, dropped] of this.chunks) {
      if (this.bytesHere <= this.maxBytes || oldest === at) break;
      this.chunks.delete(oldest);
      this.bytesHere -= dropped.byteLength;
    }
  }

  /** The first and last chunk holding `length` bytes from `offset`. */
  private span(offset: number, length: number): [number, number] {
    const { layout } = this;
    const first = layout.chunkAt(offset);
    const last = layout.chunkAt(offset + Math.max(length, 1) - 1);
    if (offset + length > layout.startOf(last + 1) || offset < layout.startOf(first))
      throw new LibraryUnavailable('the library is shorter than its manifest says; deploy again');
    return [first, last];
  }

  private readonly has = (offset: number, length: number): boolean => {
    const [first, last] = this.span(offset, length);
    let ready = true;
    for (let chunk = first; chunk <= last; chunk += 1) {
      if (this.chunks.has(chunk)) continue;
      this.missing.add(chunk);
      ready = false;
    }
    return ready;
  };

  readonly read: TextReader = Object.assign((offset: number, length: number) => this.readBytes(offset, length), {
    has: this.has,
  });

  private readBytes(offset: number, length: number): Uint8Array | undefined {
    const { layout } = this;
    const [first, last] = this.span(offset, length);
    const spans = layout.startOf(last + 1) - layout.startOf(first);
    if (spans > this.maxBytes) this.maxBytes = spans + ChunkedText.READ_ROOM;
    let ready = true;
    const here: Uint8Array[] = [];
    for (let chunk = first; chunk <= last; chunk += 1) {
      const bytes = this.chunk(chunk);
      if (bytes) {
        here.push(bytes);
        continue;
      }
      this.missing.add(chunk);
      ready = false;
    }
    if (!ready) return undefined;
    const start = offset - layout.startOf(first);
    if (first === last) return here[0]!.subarray(start, start + length);
    const joined = new Uint8Array(length);
    let at = 0;
    for (const [which, bytes] of here.entries()) {
      const from = which === 0 ? start : 0;
      const piece = bytes.subarray(from, Math.min(bytes.byteLength, from + length - at));
      joined.set(piece, at);
      at += piece.byteLength;
    }
    return joined;
  }

  /** Fetch the chunks `read` was asked for and did not have; undefined when none is missing. */
  readonly pending = (): Promise<void> | undefined => {
    if (this.missing.size === 0) return undefined;
    const wanted = [...this.missing];
    this.missing.clear();
    return Promise.all(wanted.map((chunk) => this.fetch(chunk))).then(() => undefined);
  };

  private fetch(chunk: number): Promise<void> {
    let loading = this.fetching.get(chunk);
    if (!loading) {
      const name = chunkName(chunk);
      const length = this.layout.startOf(chunk + 1) - this.layout.startOf(chunk);
      loading = this.fetchChunk(name)
        .then((bytes) => {
          if (bytes.byteLength !== length) throw new Error(`${name} is the wrong size; deploy again`);
          this.keep(chunk, bytes);
        })
        .catch((error: unknown) => {
          throw new LibraryUnavailable(
            `the knowledge base could not be read: ${error instanceof Error ? error.message : String(error)}`,
          );
        })
        .finally(() => this.fetching.delete(chunk));
      this.fetching.set(chunk, loading);
    }
    return loading;
  }
}
