import MiniSearch, { type Options, type SearchOptions, type SearchResult } from 'minisearch';
import type { KnowledgeBase } from './knowledge-base.ts';
import { plainText } from './markdown-sections.ts';
import type { Article, Cause, Visibility } from './types.ts';
import { processTerm, termsOf, tokenize } from './vocabulary.ts';

/** Bumped whenever the documents or options change, so a stale prebuilt index is rejected. */
export const INDEX_FORMAT = 1;

interface ArticleDocument {
  id: string;
  title: string;
  summary: string;
  tags: string;
  symptoms: string;
  causes: string;
  phrases: string;
  body: string;
  visibility: Visibility;
}

interface CauseDocument {
  id: string;
  title: string;
  description: string;
  phrases: string;
  symptoms: string;
  rootCauses: string;
  article: string;
  visibility: Visibility;
}

/**
 * Every search setting in one place.
 * - Terms go through the shared vocabulary (stemming, 401/unauthorized, jwt/token, …) on both
 *   the index and the query side, so they meet on the same terms.
 * - Titles and phrases (the literal error texts) outrank body text.
 * - Prefix matching from 3 letters lets search-as-you-type work; fuzzy matching forgives one
 *   typo (one edit) in words of 4 to 7 letters, two from 8 letters on.
 *   Words with digits (401, IDX10223) must match as typed.
 */
const ARTICLE_SEARCH_OPTIONS = {
  fields: ['title', 'summary', 'tags', 'symptoms', 'causes', 'phrases', 'body'],
  storeFields: ['visibility'],
  tokenize,
  processTerm,
  searchOptions: {
    boost: { title: 4, phrases: 3, causes: 2.5, summary: 2, symptoms: 2, tags: 1.5, body: 1 },
    prefix: (term: string) => term.length >= 3,
    fuzzy: (term: string) => (term.length < 4 || /\d/.test(term) ? false : term.length < 8 ? 1 : 2),
    combineWith: 'OR',
    weights: { fuzzy: 0.45, prefix: 0.375 },
  },
} satisfies Options<ArticleDocument>;

/**
 * Cause documents serve diagnosis: how well a symptom description fits each cause. No prefix
 * or fuzzy matching here; a description is whole words and near-misses would blur the causes.
 */
const CAUSE_SEARCH_OPTIONS = {
  fields: ['title', 'description', 'phrases', 'symptoms', 'rootCauses', 'article'],
  storeFields: ['visibility'],
  tokenize,
  processTerm,
  searchOptions: {
    boost: { phrases: 3, title: 2.5, description: 2, article: 1, symptoms: 1, rootCauses: 1 },
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
  const section = article.sections.find((candidate) => candidate.level === 2 && candidate.heading.toLowerCase() === heading);
  return section ? plainText(section.markdown, keepCode) : '';
}

function articleDocument(article: Article): ArticleDocument {
  const symptoms = sectionText(article, 'symptoms', true);
  return {
    id: article.slug,
    title: article.title,
    summary: article.summary,
    tags: article.tags.join(' '),
    symptoms,
    causes: article.causes.map((cause) => `${cause.title}. ${cause.description}`).join(' '),
    phrases: article.causes.flatMap((cause) => cause.signals.phrases).join(' . '),
    body: plainText(article.body),
    visibility: article.visibility,
  };
}

function causeDocument(cause: Cause, article: Article): CauseDocument {
  return {
    id: cause.id,
    title: cause.title,
    description: cause.description,
    phrases: cause.signals.phrases.join(' . '),
    symptoms: sectionText(article, 'symptoms', true),
    rootCauses: sectionText(article, 'root causes'),
    article: `${article.title}. ${article.summary}`,
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

export function serialiseSearchIndex(index: SearchIndex): SerialisedIndex {
  return { format: INDEX_FORMAT, articles: index.articles.toJSON(), causes: index.causes.toJSON() };
}

export function loadSearchIndex(serialised: SerialisedIndex): SearchIndex {
  if (serialised.format !== INDEX_FORMAT) {
    throw new Error(`search index: format ${serialised.format} is not ${INDEX_FORMAT}; rebuild it with \`npm run build\``);
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
  for (const term of termsOf(text)) {
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
