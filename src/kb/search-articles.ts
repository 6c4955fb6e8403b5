import type { Library } from './library.ts';
import { plainText } from './markdown-sections.ts';
import { articleQuery, suggestionQuery } from './search-index.ts';
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

/** Full-text search over articles, best first, each hit with the sentence that matched best. */
export function searchArticles(
  library: Library,
  query: string,
  limit: number,
  audience: Audience,
): { total: number; hits: SearchHit[] } {
  const index = library.index.articles;
  const results = index.search(articleQuery(index, query), {
    combine: 'or',
    includeInternal: audience.includeInternal,
  });
  const queryTerms = new Set(termsOf(query));
  const hits = results.top(limit).map((document): SearchHit => {
    const article = library.kb.bySlug.get(results.id(document))!;
    return {
      slug: article.slug,
      title: article.title,
      summary: article.summary,
      url: `/articles/${article.slug}`,
      score: Math.round(results.score(document) * 1000) / 1000,
      snippet: snippetOf(article, queryTerms),
      causes: article.causes.map((cause) => ({ id: cause.id, title: cause.title })),
      visibility: article.visibility,
    };
  });
  return { total: results.size, hits };
}

/** Completions for a half-typed query: titles of the articles its words lead to. */
export function suggestArticles(library: Library, query: string, limit: number, audience: Audience): Suggestion[] {
  const { specs, fields } = suggestionQuery(query);
  const results = library.index.articles.search(specs, {
    fields,
    combine: 'and',
    includeInternal: audience.includeInternal,
  });
  return results.top(limit).map((document) => {
    const article = library.kb.bySlug.get(results.id(document))!;
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
