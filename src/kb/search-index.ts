import type { KnowledgeBase } from './knowledge-base.ts';
import { plainText } from './markdown-sections.ts';
import { NotYetRead } from './record-table.ts';
import { type IndexedDocument, type QuerySpec, type SerialisedTermIndex, TermIndex } from './term-index.ts';
import type { Article, Cause, Visibility } from './types.ts';
import { processTerm, termsOf, tokenize } from './vocabulary.ts';

/** Bumped whenever the documents or options change, so a stale prebuilt index is rejected. */
export const INDEX_FORMAT = 22;

interface ArticleDocument {
  id: string;
  title: string;
  /** What the article is about in few words: summary, tags, causes, phrases, symptoms. */
  gist: string;
  body: string;
  visibility: Visibility;
}

interface CauseDocument {
  id: string;
  /** The cause's own words: title and literal phrases. */
  signals: string;
  /** What explains it: description, the article's title, summary, symptoms and root causes. */
  context: string;
  visibility: Visibility;
}

/**
 * Every search setting in one place.
 * - Terms go through the shared vocabulary (stemming, 401/unauthorized, jwt/token, …) on both
 *   the index and the query side, so they meet on the same terms.
 * - Few, wide fields: titles outrank the gist (summary, causes, literal error texts, symptoms),
 *   which outranks the body.
 * - The last word of a query may be unfinished (search as you type), so from 3 letters it also
 *   matches as a prefix; the words before it are finished and match as they are.
 * - Fuzzy matching forgives one typo (one edit) in words of 4 to 7 letters, two from 8 letters
 *   on, but only in words the articles never use: a known word is not a typo. Words with
 *   digits (401, IDX10223) must match as typed.
 * Matching known, finished words exactly keeps results sharp, and it keeps a search over
 * thousands of articles fast: every prefix or fuzzy variant is another pass over postings.
 */
const ARTICLE_FIELDS = [
  { name: 'title', boost: 4 },
  { name: 'gist', boost: 2 },
  { name: 'body', boost: 1 },
];
/** Suggestions look at titles and gists only. */
const SUGGEST_FIELDS = [0, 1];

/** How many edits a word may be away from what it meant: none for short words and codes. */
function typoDistance(term: string): number {
  return term.length < 4 || /\d/.test(term) ? 0 : term.length < 8 ? 1 : 2;
}

const ANALYZER = { tokenize, processTerm };

/** A typed query's terms as the article index reads them. */
function queryWords(query: string): string[] {
  return tokenize(query)
    .map(processTerm)
    .filter((term): term is string => Boolean(term));
}

/** What a search box query looks for: typo-tolerant unknown words, the last word as a prefix. */
export function articleQuery(index: TermIndex, query: string): QuerySpec[] {
  const terms = queryWords(query);
  return terms.map((term, position) => ({
    term,
    prefix: position === terms.length - 1 && term.length >= 3,
    fuzzy: index.has(term) ? 0 : typoDistance(term),
  }));
}

/** What a half-typed query completes to: every word a prefix, long words forgiving a typo. */
export function suggestionQuery(query: string): { specs: QuerySpec[]; fields: number[] } {
  const specs = queryWords(query).map((term) => ({
    term,
    prefix: true,
    fuzzy: term.length >= 5 ? Math.min(6, Math.round(term.length * 0.2)) : 0,
  }));
  return { specs, fields: SUGGEST_FIELDS };
}

/**
 * Cause documents serve diagnosis: how well a symptom description fits each cause. No prefix
 * or fuzzy matching here; a description is whole words and near-misses would blur the causes.
 */
const CAUSE_FIELDS = [
  { name: 'signals', boost: 3 },
  { name: 'context', boost: 1 },
];

export interface SearchIndex {
  articles: TermIndex;
  causes: TermIndex;
}

export interface SerialisedIndex {
  format: number;
  articles: SerialisedTermIndex;
  causes: SerialisedTermIndex;
}

function sectionText(article: Article, heading: string, keepCode = false): string {
  const section = article.sections.find(
    (candidate) => candidate.level === 2 && candidate.heading.toLowerCase() === heading,
  );
  return section ? plainText(section.markdown, keepCode) : '';
}

function articleDocument(article: Article): ArticleDocument {
  return {
    id: article.slug,
    title: article.title,
    gist: [
      article.summary,
      article.tags.join(' '),
      ...article.causes.flatMap((cause) => [cause.title, cause.description, ...cause.signals.phrases]),
      sectionText(article, 'symptoms', true),
    ].join(' . '),
    body: plainText(article.body),
    visibility: article.visibility,
  };
}

function causeDocument(cause: Cause, article: Article): CauseDocument {
  return {
    id: cause.id,
    signals: [cause.title, ...cause.signals.phrases].join(' . '),
    context: [
      cause.description,
      article.title,
      article.summary,
      sectionText(article, 'symptoms', true),
      sectionText(article, 'root causes'),
    ].join(' . '),
    visibility: article.visibility,
  };
}

function articleEntry(article: Article): IndexedDocument {
  const document = articleDocument(article);
  return {
    id: document.id,
    internal: document.visibility === 'internal',
    texts: [document.title, document.gist, document.body],
  };
}

function causeEntry(cause: Cause, article: Article): IndexedDocument {
  const document = causeDocument(cause, article);
  return {
    id: document.id,
    internal: document.visibility === 'internal',
    texts: [document.signals, document.context],
  };
}

export function buildSearchIndex(kb: KnowledgeBase): SearchIndex {
  return {
    articles: TermIndex.build(ARTICLE_FIELDS, kb.articles.map(articleEntry), ANALYZER),
    causes: TermIndex.build(
      CAUSE_FIELDS,
      kb.causes.map((cause) => causeEntry(cause, kb.bySlug.get(cause.articleSlug)!)),
      ANALYZER,
    ),
  };
}

/**
 * The index for a new knowledge base, built from the previous one: the postings of articles
 * and causes that did not change are copied, only the changed ones are read again. The index
 * in service is never changed under a request, and the result equals a fresh build.
 */
export function updateSearchIndex(previous: { kb: KnowledgeBase; index: SearchIndex }, kb: KnowledgeBase): SearchIndex {
  const articles = kb.articles.map((article) =>
    previous.kb.bySlug.get(article.slug) === article ? article.slug : articleEntry(article),
  );
  // A cause's document changes with its article: same id, same article object, or redone.
  const causes = kb.causes.map((cause) => {
    const before = previous.kb.byCauseId.get(cause.id);
    const article = kb.bySlug.get(cause.articleSlug)!;
    const same =
      before && before.articleSlug === cause.articleSlug && previous.kb.bySlug.get(before.articleSlug) === article;
    return same ? cause.id : causeEntry(cause, article);
  });
  return {
    articles: previous.index.articles.rebuild(articles, ANALYZER),
    causes: previous.index.causes.rebuild(causes, ANALYZER),
  };
}

export function serialiseSearchIndex(index: SearchIndex): { header: SerialisedIndex; buffers: Uint8Array[] } {
  const articles = index.articles.serialise();
  const causes = index.causes.serialise();
  return {
    header: { format: INDEX_FORMAT, articles: articles.header, causes: causes.header },
    buffers: [articles.buffer, causes.buffer],
  };
}

/**
 * The index from its arrays. The article index is loaded on first use (`articles` returns its
 * header and arrays then, or undefined while they are still to be fetched: see `NotYetRead`):
 * a diagnosis reads only the cause index.
 */
export function loadSearchIndex(
  header: Omit<SerialisedIndex, 'articles'>,
  buffers: { articles: () => { header: SerialisedTermIndex; bytes: Uint8Array } | undefined; causes: Uint8Array },
): SearchIndex {
  if (header.format !== INDEX_FORMAT) {
    throw new Error(`search index: format ${header.format} is not ${INDEX_FORMAT}; rebuild it with \`npm run build\``);
  }
  let articles: TermIndex | undefined;
  return {
    get articles() {
      if (!articles) {
        const stored = buffers.articles();
        if (!stored) throw new NotYetRead();
        articles = TermIndex.load(stored.header, stored.bytes);
      }
      return articles;
    },
    causes: TermIndex.load(header.causes, buffers.causes),
  };
}

/** Longest query the engines look at; a pasted megabyte is summarised by its first terms. */
export const MAX_QUERY_TERMS = 64;

/** Distinct processed terms of a text, in order of first appearance, capped. */
export function queryTerms(text: string, max = MAX_QUERY_TERMS): string[] {
  const seen = new Set<string>();
  // Host names say where, not what: keep a URL's path words only.
  for (const term of termsOf(text.replace(/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^/\s]{0,1000}/gi, ' '))) {
    seen.add(term);
    if (seen.size >= max) break;
  }
  return [...seen];
}

/** Specs for a query that is already a list of processed terms: each word as it is. */
export function exactQuery(terms: string[]): QuerySpec[] {
  return terms.map((term) => ({ term, prefix: false, fuzzy: 0 }));
}
