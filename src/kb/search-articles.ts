import type { Library } from './library.ts';
import { plainText } from './markdown-sections.ts';
import { readEach } from './record-table.ts';
import { articleQuery, suggestionQuery } from './search-index.ts';
import type { TermIndex } from './term-index.ts';
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
  const ids = { index, ids: new Set([...queryTerms].map((term) => index.termId(term)).filter((id) => id >= 0)) };
  const hits = readEach(results.top(limit), (document): SearchHit => {
    const article = library.kb.bySlug.get(results.id(document))!;
    return {
      slug: article.slug,
      title: article.title,
      summary: article.summary,
      url: `/articles/${article.slug}`,
      score: Math.round(results.score(document) * 1000) / 1000,
      snippet: snippetOf(article, queryTerms, ids),
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
  return readEach(results.top(limit), (document) => {
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

/** Marks a sentence kept as text (its byte length follows), not as a range of the article's body. */
const AS_TEXT = 0xffffffff;

/**
 * An article's sentences as a prebuilt library stores them, so a search need not split and
 * tokenise an article the first time it shows it. Little-endian u32s: the sentence count; per
 * sentence where its text is (a [start, end) range of the body, where the sentence reads the
 * same there, as prose does; otherwise `AS_TEXT` and its byte length) and its number of terms;
 * every sentence's terms as numbers of the article index that built them; then the texts of
 * the sentences not found in the body (UTF-8).
 */
export function encodeSentences(article: Article, index: TermIndex): Uint8Array {
  const sentences = sentencesOf(article);
  const encoder = new TextEncoder();
  let cursor = 0;
  const places = sentences.map((sentence): [number, number] | Uint8Array => {
    let start = article.body.indexOf(sentence.text, cursor);
    if (start < 0) start = article.body.indexOf(sentence.text);
    if (start < 0) return encoder.encode(sentence.text);
    cursor = start + sentence.text.length;
    return [start, cursor];
  });
  const texts = places.filter((place): place is Uint8Array => place instanceof Uint8Array);
  const ids = sentences.map((sentence) =>
    [...sentence.terms].map((term) => index.termId(term)).filter((id) => id >= 0),
  );
  const words = 1 + 3 * sentences.length + ids.reduce((sum, list) => sum + list.length, 0);
  const bytes = new Uint8Array(words * 4 + texts.reduce((sum, text) => sum + text.byteLength, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  const put = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  put(sentences.length);
  places.forEach((place, which) => {
    if (place instanceof Uint8Array) {
      put(AS_TEXT);
      put(place.byteLength);
    } else {
      put(place[0]);
      put(place[1]);
    }
    put(ids[which]!.length);
  });
  for (const list of ids) for (const id of list) put(id);
  for (const text of texts) {
    bytes.set(text, at);
    at += text.byteLength;
  }
  return bytes;
}

const storedSentences = new WeakMap<Article, { index: () => TermIndex; read: () => Uint8Array | undefined }>();

/** An article's sentences are stored (`encodeSentences`) for this index: read them from there. */
export function rememberSentences(article: Article, index: () => TermIndex, read: () => Uint8Array | undefined): void {
  storedSentences.set(article, { index, read });
}

const decoder = new TextDecoder();

/** The stored sentence that shares most of the query's terms, or null when none shares any. */
function bestStoredSentence(article: Article, bytes: Uint8Array, queryIds: Set<number>): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const entry = (which: number, field: number): number => view.getUint32(4 + which * 12 + field * 4, true);
  let ids = 4 + count * 12;
  let text = ids;
  for (let which = 0; which < count; which += 1) text += entry(which, 2) * 4;
  let best = -1;
  let bestScore = 0;
  let bestText = 0;
  for (let which = 0; which < count; which += 1) {
    const terms = entry(which, 2);
    let score = 0;
    for (let term = 0; term < terms; term += 1) if (queryIds.has(view.getUint32(ids + term * 4, true))) score += 1;
    if (score > bestScore) {
      bestScore = score;
      best = which;
      bestText = text;
    }
    ids += terms * 4;
    if (entry(which, 0) === AS_TEXT) text += entry(which, 1);
  }
  if (best < 0) return null;
  if (entry(best, 0) !== AS_TEXT) return article.body.slice(entry(best, 0), entry(best, 1));
  return decoder.decode(bytes.subarray(bestText, bestText + entry(best, 1)));
}

/** The sentence of an article that shares most terms with the query, trimmed for display. */
export function snippetOf(
  article: Article,
  queryTerms: Set<string>,
  query?: { index: TermIndex; ids: Set<number> },
): string {
  let best = article.summary;
  const stored = storedSentences.get(article);
  if (stored && query && stored.index() === query.index) {
    // Sentences still being fetched leave the summary: the search is answered again once they are here.
    const bytes = stored.read();
    if (bytes) best = bestStoredSentence(article, bytes, query.ids) ?? best;
  } else {
    let bestScore = 0;
    for (const sentence of sentencesOf(article)) {
      let score = 0;
      for (const term of queryTerms) if (sentence.terms.has(term)) score += 1;
      if (score > bestScore) {
        bestScore = score;
        best = sentence.text;
      }
    }
  }
  return best.length > SNIPPET_CHARS ? `${best.slice(0, SNIPPET_CHARS - 1).trimEnd()}…` : best;
}
