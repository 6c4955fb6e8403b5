import type { SearchResult } from 'minisearch';
import type { Library } from './library.ts';
import { plainText } from './markdown-sections.ts';
import { articleSearchOptions } from './search-index.ts';
import type { Article } from './types.ts';
import { termsOf } from './vocabulary.ts';

export interface SearchHit {
  slug: string;
  title: string;
  summary: string;
  url: string;
  score: number;
  snippet: string;
  causes: Array<{ id: string; title: string }>;
  /** Only agents ever receive hits for internal articles. */
  visibility: 'public' | 'internal';
}

export interface Suggestion {
  text: string;
  slug: string;
  url: string;
}

export interface Audience {
  includeInternal: boolean;
}

const SNIPPET_CHARS = 200;

function visibleTo(audience: Audience) {
  return (result: SearchResult): boolean => audience.includeInternal || result.visibility !== 'internal';
}

/** Full-text search over articles, best first, each hit with the sentence that matched best. */
export function searchArticles(
  library: Library,
  query: string,
  limit: number,
  audience: Audience,
): { total: number; hits: SearchHit[] } {
  const results = library.index.articles.search(query, {
    ...articleSearchOptions(library.index.articles),
    filter: visibleTo(audience),
  });
  const queryTerms = new Set(termsOf(query));
  const hits = results.slice(0, limit).map((result): SearchHit => {
    const article = library.kb.bySlug.get(String(result.id))!;
    return {
      slug: article.slug,
      title: article.title,
      summary: article.summary,
      url: `/articles/${article.slug}`,
      score: Math.round(result.score * 1000) / 1000,
      snippet: snippetOf(article, queryTerms),
      causes: article.causes.map((cause) => ({ id: cause.id, title: cause.title })),
      visibility: article.visibility,
    };
  });
  return { total: results.length, hits };
}

/** Completions for a half-typed query: titles of the articles its words lead to. */
export function suggestArticles(library: Library, query: string, limit: number, audience: Audience): Suggestion[] {
  const results = library.index.articles.search(query, {
    fields: ['title', 'gist'],
    prefix: true,
    fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
    combineWith: 'AND',
    filter: visibleTo(audience),
  });
  return results.slice(0, limit).map((result) => {
    const article = library.kb.bySlug.get(String(result.id))!;
    return { text: article.title, slug: article.slug, url: `/articles/${article.slug}` };
  });
}

interface Sentence {
  text: string;
  terms: Set<string>;
}

const MAX_SENTENCES = 400;
const sentenceCache = new WeakMap<Article, Sentence[]>();

/** An article's sentences with their terms, computed once per loaded article. */
function sentencesOf(article: Article): Sentence[] {
  let sentences = sentenceCache.get(article);
  if (!sentences) {
    sentences = `${article.summary} ${plainText(article.body)}`
      .split(/(?<=[.!?])\s+/)
      .filter((sentence) => sentence.length > 20)
      .slice(0, MAX_SENTENCES)
      .map((text) => ({ text, terms: new Set(termsOf(text)) }));
    sentenceCache.set(article, sentences);
  }
  return sentences;
}

/** The sentence of an article that shares most terms with the query, trimmed for display. */
export function snippetOf(article: Article, queryTerms: Set<string>): string {
  let best = article.summary;
  let bestScore = 0;
  for (const sentence of sentencesOf(article)) {
    let score = 0;
    for (const term of queryTerms) if (sentence.terms.has(term)) score += 1;
    if (score > bestScore) {
      bestScore = score;
      best = sentence.text;
    }
  }
  return best.length > SNIPPET_CHARS ? `${best.slice(0, SNIPPET_CHARS - 1).trimEnd()}…` : best;
}
