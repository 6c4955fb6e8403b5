/**
 * The search and diagnosis engine as it was at commit 3bb4184, on MiniSearch 7, kept as a test
 * oracle: test/kb/ranking-identity.test.ts proves that the flat term index (src/kb/term-index.ts)
 * and candidate-only cause scoring answer exactly as this did. It is frozen at 3bb4184 and never
 * used by the product; it is not updated to follow the product, since an answer that changes on
 * purpose is a change to the identity test, not to its oracle. Only what the comparison needs is
 * kept (no serialising, no incremental updates, no snippets). Pieces that did not change since
 * (vocabulary, types, scoring constants, facts, term positions) come from src/; the
 * phrase index keeps its old first-term filing here, so the new rarest-term filing is checked too.
 */
import MiniSearch, { type Options, type SearchOptions, type SearchResult } from 'minisearch';
import { type CompiledPhrase, compilePhrases, TermPositions } from '../../src/diagnose/phrase-matcher.ts';
import type { Evidence, ScoredCause } from '../../src/diagnose/score-causes.ts';
import { SCORING, type Scoring } from '../../src/diagnose/scoring.ts';
import type { FactSet } from '../../src/facts/types.ts';
import type { KnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { plainText } from '../../src/kb/markdown-sections.ts';
import type { Article, Cause, Visibility } from '../../src/kb/types.ts';
import { processTerm, termsOf, tokenize } from '../../src/kb/vocabulary.ts';

interface ArticleDocument {
  id: string;
  title: string;
  gist: string;
  body: string;
  visibility: Visibility;
}

interface CauseDocument {
  id: string;
  signals: string;
  context: string;
  visibility: Visibility;
}

/** The old article search options (see git show 3bb4184:src/kb/search-index.ts for their reasons). */
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

export interface ReferenceIndex {
  articles: MiniSearch<ArticleDocument>;
  causes: MiniSearch<CauseDocument>;
}

function typoDistance(term: string): number | false {
  return term.length < 4 || /\d/.test(term) ? false : term.length < 8 ? 1 : 2;
}

/** MiniSearch has no public term lookup: its term tree is read directly, as the old code did. */
function hasTerm(index: object): ((term: string) => boolean) | undefined {
  const terms = (index as unknown as { _index?: { has?: (term: string) => boolean } })._index;
  return typeof terms?.has === 'function' ? (term: string) => terms.has!(term) : undefined;
}

function articleSearchOptions(index: MiniSearch<ArticleDocument>): SearchOptions {
  const has = hasTerm(index);
  if (!has) return {};
  return { fuzzy: (term: string) => (has(term) ? false : typoDistance(term)) };
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

export function buildReferenceIndex(kb: KnowledgeBase): ReferenceIndex {
  const articles = new MiniSearch<ArticleDocument>(ARTICLE_SEARCH_OPTIONS);
  articles.addAll(kb.articles.map(articleDocument));
  const causes = new MiniSearch<CauseDocument>(CAUSE_SEARCH_OPTIONS);
  causes.addAll(kb.causes.map((cause) => causeDocument(cause, kb.bySlug.get(cause.articleSlug)!)));
  return { articles, causes };
}

export interface ReferenceHits {
  /** Every result, however many were asked for. */
  total: number;
  /** The first `limit` results, best first, with their unrounded scores. */
  hits: Array<{ slug: string; score: number }>;
}

function visibleTo(includeInternal: boolean) {
  return (result: SearchResult): boolean => includeInternal || result.visibility !== 'internal';
}

function hitsOf(kb: KnowledgeBase, results: SearchResult[], limit: number): ReferenceHits {
  const hits = results.slice(0, limit).map((result) => ({
    slug: kb.bySlug.get(String(result.id))!.slug,
    score: result.score,
  }));
  return { total: results.length, hits };
}

/** The old searchArticles: full-text search, the last word a prefix, unknown words forgiving typos. */
export function referenceSearch(
  index: ReferenceIndex,
  kb: KnowledgeBase,
  query: string,
  limit: number,
  includeInternal: boolean,
): ReferenceHits {
  const results = index.articles.search(query, {
    ...articleSearchOptions(index.articles),
    filter: visibleTo(includeInternal),
  });
  return hitsOf(kb, results, limit);
}

/** The old suggestArticles: every word a prefix over titles and gists, all words required. */
export function referenceSuggest(
  index: ReferenceIndex,
  kb: KnowledgeBase,
  query: string,
  limit: number,
  includeInternal: boolean,
): ReferenceHits {
  const results = index.articles.search(query, {
    fields: ['title', 'gist'],
    prefix: true,
    fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
    combineWith: 'AND',
    filter: visibleTo(includeInternal),
  });
  return hitsOf(kb, results, limit);
}

/** The old phrase index: phrases filed under their first term, found in the order the input's terms come. */
class FirstTermPhraseIndex<Owner> {
  private readonly exact = new Map<string, Array<{ phrase: CompiledPhrase; owner: Owner }>>();
  private readonly content = new Map<string, Array<{ phrase: CompiledPhrase; owner: Owner }>>();

  add(phrase: CompiledPhrase, owner: Owner): void {
    const index = phrase.exact ? this.exact : this.content;
    const first = phrase.terms[0]!;
    const list = index.get(first) ?? [];
    list.push({ phrase, owner });
    index.set(first, list);
  }

  matchAll(positions: TermPositions): Array<{ phrase: CompiledPhrase; owner: Owner; how: 'exact' | 'near' }> {
    const found: Array<{ phrase: CompiledPhrase; owner: Owner; how: 'exact' | 'near' }> = [];
    for (const exact of [true, false]) {
      const index = exact ? this.exact : this.content;
      for (const term of positions.termsPresent(exact)) {
        for (const candidate of index.get(term) ?? []) {
          const how = positions.match(candidate.phrase);
          if (how) found.push({ ...candidate, how });
        }
      }
    }
    return found;
  }
}

const AUTH_STATUSES = new Set([0, 400, 401, 403, 407, 419, 429, 440, 498, 499]);

class ReferenceCatalogue {
  readonly compiled: Array<{ cause: Cause; visibility: Visibility }>;
  readonly phrases = new FirstTermPhraseIndex<string>();
  readonly words = new FirstTermPhraseIndex<string>();
  readonly statusCauses = new Map<number, number>();
  readonly wordWeights = new Map<string, number>();

  constructor(kb: KnowledgeBase) {
    this.compiled = kb.causes.map((cause) => ({
      cause,
      visibility: kb.bySlug.get(cause.articleSlug)?.visibility ?? 'public',
    }));
    const declaredBy = new Map<string, number>();
    for (const cause of kb.causes) {
      for (const phrase of compilePhrases(cause.signals.phrases)) this.phrases.add(phrase, cause.id);
      const words = new Map<string, CompiledPhrase>();
      for (const word of compilePhrases(cause.signals.words))
        if (!words.has(wordKey(word))) words.set(wordKey(word), word);
      for (const [key, word] of words) {
        this.words.add(word, cause.id);
        declaredBy.set(key, (declaredBy.get(key) ?? 0) + 1);
      }
    }
    for (const [key, count] of declaredBy) this.wordWeights.set(key, 1 / count);
    for (const cause of kb.causes)
      for (const status of new Set(cause.signals.status))
        this.statusCauses.set(status, (this.statusCauses.get(status) ?? 0) + 1);
  }
}

function wordKey(word: CompiledPhrase): string {
  return `${word.exact ? '=' : ''}${word.terms.join(' ')}`;
}

const catalogues = new WeakMap<KnowledgeBase, ReferenceCatalogue>();

function catalogueOf(kb: KnowledgeBase): ReferenceCatalogue {
  let catalogue = catalogues.get(kb);
  if (!catalogue) {
    catalogue = new ReferenceCatalogue(kb);
    catalogues.set(kb, catalogue);
  }
  return catalogue;
}

export interface ReferenceScores {
  causes: ScoredCause[];
  /** Every cause whose article the input's words fit, best first. */
  textRanking: string[];
  /** Every visible cause's score, in catalogue order. */
  all: Map<string, number>;
}

/** The old scoreCauses: every visible cause scored in full, evidence in words for each. */
export function referenceScoreCauses(
  facts: FactSet,
  kb: KnowledgeBase,
  index: ReferenceIndex,
  options: { includeInternal: boolean },
): ReferenceScores {
  const scoring = SCORING;
  const catalogue = catalogueOf(kb);
  const phraseMatches = new Map<string, Array<{ phrase: CompiledPhrase; how: 'exact' | 'near' }>>();
  const texts = facts.texts.map(withoutSettings);
  const positions = new TermPositions(texts);
  for (const { phrase, owner, how } of catalogue.phrases.matchAll(positions)) {
    const list = phraseMatches.get(owner) ?? [];
    list.push({ phrase, how });
    phraseMatches.set(owner, list);
  }
  const wordMatches = new Map<string, Map<string, CompiledPhrase>>();
  for (const { phrase, owner, how } of catalogue.words.matchAll(positions)) {
    if (how !== 'exact') continue;
    const found = wordMatches.get(owner) ?? new Map<string, CompiledPhrase>();
    found.set(wordKey(phrase), phrase);
    wordMatches.set(owner, found);
  }
  const relevance = textRelevance(texts, index, options.includeInternal, scoring);
  const observedStatuses = facts.statuses;
  const factIds = new Map<string, FactSet['facts']>();
  for (const fact of facts.facts) {
    const list = factIds.get(fact.id) ?? [];
    list.push(fact);
    factIds.set(fact.id, list);
  }

  const scored: ScoredCause[] = [];
  const all = new Map<string, number>();
  for (const { cause, visibility } of catalogue.compiled) {
    if (visibility === 'internal' && !options.includeInternal) continue;
    const evidence: Evidence[] = [];
    let score = 0;
    let hard = false;
    const { signals } = cause;

    if (signals.status.length > 0 && observedStatuses.length > 0) {
      const matching = observedStatuses.find(
        (observed) => !observed.network && signals.status.includes(observed.status),
      );
      if (matching) {
        score += matching.inferred
          ? scoring.statusInferred
          : scoring.status + scoring.rareStatus / (catalogue.statusCauses.get(matching.status) ?? 1);
        evidence.push({
          source: 'status',
          detail: matching.inferred
            ? `the report mentions status ${matching.status}`
            : `the response status is ${matching.status}`,
          ...entryOf(matching.entry),
        });
      } else {
        const unrelated = observedStatuses.some((observed) => observed.network || !AUTH_STATUSES.has(observed.status));
        const real = observedStatuses.some((observed) => !observed.inferred);
        score += !unrelated
          ? scoring.statusMismatchNear
          : real
            ? scoring.statusMismatch
            : scoring.statusMismatchInferred;
      }
    }

    const codes = facts.errorCodes.filter((found) => signals.error.includes(found.code));
    const seenCodes = new Set<string>();
    for (const found of codes) {
      if (seenCodes.has(found.code)) continue;
      seenCodes.add(found.code);
      score += scoring.errorCode;
      hard = true;
      evidence.push({
        source: 'error-code',
        detail: `error code ${found.code} in ${found.where}`,
        ...entryOf(found.entry),
      });
    }

    const found = phraseMatches.get(cause.id) ?? [];
    const exact = found.filter((match) => match.how === 'exact').map((match) => match.phrase);
    const matched = exact.length > 0 ? exact : found.map((match) => match.phrase);
    if (matched.length > 0) {
      const weight = exact.length > 0 ? 1 : scoring.nearPhraseFactor;
      hard = true;
      score += weight * (scoring.phrase + scoring.extraPhrase * Math.min(matched.length - 1, scoring.maxExtraPhrases));
      const shown = matched
        .slice(0, 3)
        .map((phrase) => `“${phrase.text}”`)
        .join(', ');
      evidence.push({
        source: 'phrase',
        detail: exact.length > 0 ? `the input matches the known wording ${shown}` : `the input comes close to ${shown}`,
      });
    }

    for (const factId of new Set(signals.facts)) {
      const found = factIds.get(factId);
      if (!found) continue;
      score += scoring.fact;
      hard = true;
      for (const fact of found.slice(0, 3))
        evidence.push({ source: fact.source, detail: fact.detail, ...entryOf(fact.entry) });
    }

    for (const [factId, penalty] of [
      ['network.error', scoring.networkError],
      ['text.how-to', scoring.howToQuestion],
    ] as const) {
      if (factIds.has(factId) && !signals.facts.includes(factId)) score += penalty;
    }

    const words = [...(wordMatches.get(cause.id) ?? new Map<string, CompiledPhrase>())];
    if (words.length > 0 && exact.length === 0) {
      const points = words.reduce((sum, [key]) => sum + (catalogue.wordWeights.get(key) ?? 0), 0);
      score += scoring.word * Math.min(scoring.maxWordPoints, points);
      const shown = words
        .sort(([a], [b]) => (catalogue.wordWeights.get(b) ?? 0) - (catalogue.wordWeights.get(a) ?? 0))
        .slice(0, 6)
        .map(([, word]) => word.text);
      evidence.push({ source: 'words', detail: `the description speaks of ${shown.join(', ')}` });
    }

    const textScore = relevance.byCause.get(cause.id);
    if (textScore && textScore.value >= scoring.minimumRelevance) {
      score += scoring.textRelevance * textScore.value;
      const words = textScore.terms.slice(0, 6).map((term) => relevance.words.get(term) ?? term);
      evidence.push({
        source: 'text',
        detail: `the description shares these words with this cause's article: ${words.join(', ')}`,
      });
    }

    all.set(cause.id, score);
    if (score > 0) scored.push({ cause, score, relevance: textScore?.value ?? 0, hard, confidence: 0, evidence });
  }
  return { causes: rank(scored, scoring), textRanking: [...relevance.byCause.keys()], all };
}

const PRINTED_SETTING =
  /\b(?:(?:allowed|max(?:imum)?|configured)\s+)?(?:clock[\s_-]?(?:skew|tolerance|drift)|leeway)\s*[:=]\s*-?[\d.:]{1,20}(?:\s?(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?)\b)?/gi;

function withoutSettings(text: string): string {
  return text.replace(PRINTED_SETTING, ' ');
}

function entryOf(entry: number | undefined): { entry?: number } {
  return entry === undefined ? {} : { entry };
}

function rank(scored: ScoredCause[], scoring: Scoring): ScoredCause[] {
  scored.sort((a, b) => b.score - a.score || b.relevance - a.relevance || b.evidence.length - a.evidence.length);
  const best = scored[0]?.score ?? 0;
  const clears = (candidate: ScoredCause): boolean =>
    candidate.score >=
    (candidate.hard || candidate.cause.kind === 'lookalike' ? scoring.minimumScore : scoring.minimumSoftScore);
  if (!scored[0] || !clears(scored[0])) return [];
  const kept = scored
    .filter((candidate) => clears(candidate) && candidate.score >= best * scoring.keepRatio)
    .slice(0, scoring.maxCauses);
  const total = kept.reduce((sum, candidate) => sum + candidate.score, 0);
  for (const candidate of kept) {
    const strength = 1 - Math.exp(-candidate.score / scoring.confidenceScale);
    const share = candidate.score / total;
    candidate.confidence = Math.round(strength * (0.5 + 0.5 * share) * 100) / 100;
  }
  return kept;
}

interface TextRelevance {
  byCause: Map<string, { value: number; terms: string[] }>;
  words: Map<string, string>;
}

const MAX_QUERY_TERMS = 64;

/** Distinct processed terms of a text, in order of first appearance, capped; host names left out. */
function queryTerms(text: string, max = MAX_QUERY_TERMS): string[] {
  const seen = new Set<string>();
  for (const term of termsOf(text.replace(/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^/\s]{0,1000}/gi, ' '))) {
    seen.add(term);
    if (seen.size >= max) break;
  }
  return [...seen];
}

/** A query that is already a list of processed terms, read as it is. */
function preprocessedQuery(options: SearchOptions = {}): SearchOptions {
  return { ...options, tokenize: (text: string) => text.split(' '), processTerm: (term: string) => term };
}

function textRelevance(
  texts: string[],
  index: ReferenceIndex,
  includeInternal: boolean,
  scoring: Scoring,
): TextRelevance {
  const text = texts.join(' \n ');
  const terms = queryTerms(text);
  const relevance = new Map<string, { value: number; terms: string[] }>();
  const words = new Map<string, string>();
  if (terms.length === 0) return { byCause: relevance, words };
  const results = index.causes.search(
    terms.join(' '),
    preprocessedQuery({ filter: (result) => includeInternal || result.visibility !== 'internal' }),
  );
  const top = results[0];
  const best = top?.score ?? 0;
  const has = hasTerm(index.causes);
  const known = has ? terms.filter(has).length : terms.length;
  const coverage = (top?.terms.length ?? 0) / Math.max(1, known);
  const strength = Math.min(1, best / scoring.fullRelevanceScore) * Math.sqrt(coverage);
  for (const result of results) {
    relevance.set(String(result.id), { value: (result.score / best) * strength, terms: result.terms });
  }
  const wanted = new Set(results.slice(0, 5).flatMap((result) => result.terms));
  for (const word of tokenize(text.slice(0, 65_536))) {
    const term = processTerm(word);
    if (term && wanted.has(term) && !words.has(term)) words.set(term, word.toLowerCase());
  }
  return { byCause: relevance, words };
}
