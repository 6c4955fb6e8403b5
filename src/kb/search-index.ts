import MiniSearch, { type Options, type SearchOptions, type SearchResult } from 'minisearch';
import type { KnowledgeBase } from './knowledge-base.ts';
import { plainText } from './markdown-sections.ts';
import type { Article, Cause, Visibility } from './types.ts';
import { processTerm, termsOf, tokenize } from './vocabulary.ts';

/** Bumped whenever the documents or options change, so a stale prebuilt index is rejected. */
export const INDEX_FORMAT = 4;

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
 * - Few, wide fields: each field is a separate pass over the postings, so three fields keep a
 *   search over thousands of articles fast. Titles outrank the gist (summary, causes, literal
 *   error texts, symptoms), which outranks the body.
 * - The last word of a query may be unfinished (search as you type), so from 3 letters it also
 *   matches as a prefix; the words before it are finished and match as they are.
 * - Fuzzy matching forgives one typo (one edit) in words of 4 to 7 letters, two from 8 letters
 *   on, but only in words the articles never use (see `articleSearchOptions`): a known word is
 *   not a typo. Words with digits (401, IDX10223) must match as typed.
 * Matching known, finished words exactly keeps results sharp, and it keeps a search over
 * thousands of articles fast: every prefix or fuzzy variant is another pass over postings.
 */
const ARTICLE_SEARCH_OPTIONS = {
  fields: ['title', 'gist', 'body'],
  storeFields: ['visibility'],
  tokenize,
  processTerm,
  searchOptions: {
    boost: { title: 4, gist: 2, body: 1 },
    prefix: (term: string, index: number, terms: string[]) => index === terms.length - 1 && term.length >= 3,
    fuzzy: (term: string) => typoDistance(term),
    combineWith: 'OR',
    weights: { fuzzy: 0.45, prefix: 0.375 },
  },
} satisfies Options<ArticleDocument>;

/** How many edits a word may be away from what it meant: none for short words and codes. */
function typoDistance(term: string): number | false {
  return term.length < 4 || /\d/.test(term) ? false : term.length < 8 ? 1 : 2;
}

/**
 * Search options for one index: fuzzy matching only for words the index does not know. Reads
 * MiniSearch's term tree directly (it has no public lookup); without one, every word is fuzzy.
 */
export function articleSearchOptions(index: MiniSearch<ArticleDocument>): SearchOptions {
  const terms = (index as unknown as { _index?: { has?: (term: string) => boolean } })._index;
  if (typeof terms?.has !== 'function') return {};
  return { fuzzy: (term: string) => (terms.has!(term) ? false : typoDistance(term)) };
}

/**
 * Cause documents serve diagnosis: how well a symptom description fits each cause. No prefix
 * or fuzzy matching here; a description is whole words and near-misses would blur the causes.
 */
const CAUSE_SEARCH_OPTIONS = {
  fields: ['signals', 'context'],
  storeFields: ['visibility'],
  tokenize,
  processTerm,
  searchOptions: {
    boost: { signals: 3, context: 1 },
    combineWith: 'OR',
  },
} satisfies Options<CauseDocument>;

export interface SearchIndex {
  articles: MiniSearch<ArticleDocument>;
  causes: MiniSearch<CauseDocument>;
}

export interface SerialisedIndex {
  format: number;
  articles: unknown;
  causes: unknown;
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

export function buildSearchIndex(kb: KnowledgeBase): SearchIndex {
  const articles = new MiniSearch<ArticleDocument>(ARTICLE_SEARCH_OPTIONS);
  articles.addAll(kb.articles.map(articleDocument));
  const causes = new MiniSearch<CauseDocument>(CAUSE_SEARCH_OPTIONS);
  causes.addAll(kb.causes.map((cause) => causeDocument(cause, kb.bySlug.get(cause.articleSlug)!)));
  return { articles, causes };
}

/**
 * The index for a new knowledge base, built from the previous one: a copy of it (so the index
 * in service is never changed under a request) with only the articles and causes that changed
 * removed and added again. A reload of one file among thousands takes a fraction of a rebuild.
 */
export function updateSearchIndex(previous: { kb: KnowledgeBase; index: SearchIndex }, kb: KnowledgeBase): SearchIndex {
  const index = loadSearchIndex(serialiseSearchIndex(previous.index));
  for (const article of previous.kb.articles) {
    if (kb.bySlug.get(article.slug) !== article) index.articles.discard(article.slug);
  }
  for (const article of kb.articles) {
    if (previous.kb.bySlug.get(article.slug) !== article) index.articles.add(articleDocument(article));
  }
  // A cause's document changes with its article: same id, same article object, or redone.
  const same = (id: string): boolean => {
    const before = previous.kb.byCauseId.get(id);
    const after = kb.byCauseId.get(id);
    return Boolean(
      before &&
        after &&
        before.articleSlug === after.articleSlug &&
        previous.kb.bySlug.get(before.articleSlug) === kb.bySlug.get(after.articleSlug),
    );
  };
  for (const cause of previous.kb.causes) if (!same(cause.id)) index.causes.discard(cause.id);
  for (const cause of kb.causes)
    if (!same(cause.id)) index.causes.add(causeDocument(cause, kb.bySlug.get(cause.articleSlug)!));
  return index;
}

export function serialiseSearchIndex(index: SearchIndex): SerialisedIndex {
  return { format: INDEX_FORMAT, articles: index.articles.toJSON(), causes: index.causes.toJSON() };
}

export function loadSearchIndex(serialised: SerialisedIndex): SearchIndex {
  if (serialised.format !== INDEX_FORMAT) {
    throw new Error(
      `search index: format ${serialised.format} is not ${INDEX_FORMAT}; rebuild it with \`npm run build\``,
    );
  }
  return {
    articles: MiniSearch.loadJS(serialised.articles as never, ARTICLE_SEARCH_OPTIONS),
    causes: MiniSearch.loadJS(serialised.causes as never, CAUSE_SEARCH_OPTIONS),
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

/** Options for a query that is already a list of processed terms. */
export function preprocessedQuery(options: SearchOptions = {}): SearchOptions {
  return { ...options, tokenize: (text: string) => text.split(' '), processTerm: (term: string) => term };
}

export type { SearchResult };
