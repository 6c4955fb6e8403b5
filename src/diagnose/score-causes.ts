import type { FactSet } from '../facts/types.ts';
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import {
  type Lookup,
  PackedListLookup,
  PackedLookup,
  restoreFlags,
  type StoredListLookup,
  type StoredLookup,
  storeFlags,
  storeListLookup,
  storeLookup,
} from '../kb/packed-strings.ts';
import { NotYetRead, type RecordTable } from '../kb/record-table.ts';
import { exactQuery, queryTerms, type SearchIndex } from '../kb/search-index.ts';
import type { QueryResult, TermIndex } from '../kb/term-index.ts';
import type { Cause, CauseKind, Visibility } from '../kb/types.ts';
import { processTerm, tokenize } from '../kb/vocabulary.ts';
import {
  type CompiledPhrase,
  compilePhrases,
  PhraseIndex,
  phraseKey,
  type StoredGroup,
  type StoredPhrases,
  TermPositions,
} from './phrase-matcher.ts';
import { SCORING, type Scoring } from './scoring.ts';

/** Statuses that authentication and authorization failures come with, depending on the vendor. */
const AUTH_STATUSES = new Set([0, 400, 401, 403, 407, 419, 429, 440, 498, 499]);

export interface Evidence {
  source: string;
  detail: string;
  entry?: number;
}

export interface ScoredCause {
  cause: Cause;
  score: number;
  /** How well the input's words fit the cause's article (0..1): what separates equal scores. */
  relevance: number;
  /** Whether an error code, a known wording or a fact speaks for it, not only soft evidence. */
  hard: boolean;
  confidence: number;
  evidence: Evidence[];
}

/** A cause scored without its evidence in words: how many items, and where to find it again. */
type Candidate = ScoredCause & { number: number; count: number; lookalike: boolean };

/**
 * What scoring reads of a cause: its kind and what it declares to be matched exactly. A prebuilt
 * library keeps it apart from the article, so that scoring a candidate does not read its article.
 */
export interface CauseCore {
  id: string;
  kind: CauseKind;
  status: number[];
  error: string[];
  facts: string[];
}

/** A cause core as a prebuilt library stores it. */
export type StoredCore = [CauseKind, number[], string[], string[]];

function coreOf(cause: Cause): CauseCore {
  return { id: cause.id, kind: cause.kind, ...cause.signals };
}

/** Causes whose scores are within this share of the best are a near-tie: the answer is uncertain. */
export const NEAR_TIE_RATIO = 0.9;

/**
 * A catalogue as a prebuilt library keeps it: what the constructor works out from every cause,
 * so a library loads without walking its causes. The phrase and word groups are records apart.
 */
export interface StoredCatalogue {
  ids: string[];
  /** The numbers of the causes of internal articles (see `storeFlags`). */
  internal: ArrayLike<number>;
  statusCauses: Array<[number, number]>;
  wordWeights: StoredLookup<number>;
  byCode: StoredListLookup;
  byFact: Array<[string, number[]]>;
  groups: number[][];
  phrases: StoredPhrases;
  words: StoredPhrases;
}

interface CatalogueParts {
  causes: Cause[];
  core: (number: number) => CauseCore;
  ids: string[];
  internal: Uint8Array;
  phrases: PhraseIndex<number>;
  words: PhraseIndex<number>;
  statusCauses: Map<number, number>;
  wordWeights: Lookup<number>;
  /** Made when first needed when a function: a diagnosis never needs it. */
  numbers: ReadonlyMap<string, number> | (() => ReadonlyMap<string, number>);
  byCode: Lookup<number[]>;
  byFact: Map<string, number[]>;
  groups: Array<{ members: number[] }>;
}

/** The causes of a knowledge base, with phrases compiled and indexed once rather than per request. */
export class CauseCatalogue {
  /** How many causes there are; a cause is named by its position (its number). */
  readonly size: number;
  /** Each cause's phrases and mechanism words, owned by the cause's number. */
  readonly phrases: PhraseIndex<number>;
  readonly words: PhraseIndex<number>;
  /** How many causes declare each status: a status one cause alone shows up with (407, 5xx) says more than 401. */
  readonly statusCauses: Map<number, number>;
  /** How much each mechanism word counts: 1 / the number of causes that declare it. */
  readonly wordWeights: Lookup<number>;
  private numbered_: ReadonlyMap<string, number> | (() => ReadonlyMap<string, number>);
  /** The causes that declare each error code, and each fact. */
  readonly byCode: Lookup<number[]>;
  readonly byFact: Map<string, number[]>;
  /**
   * Causes alike in what scores them without any evidence of their own (their statuses and
   * whether they expect a network error or a how-to question): one score serves each group.
   */
  readonly groups: Array<{ members: number[] }>;
  readonly groupOf: Uint32Array;
  private readonly causes: Cause[];
  private readonly cores: Array<CauseCore | undefined>;
  private readonly readCore: (number: number) => CauseCore;
  private readonly ids: string[];
  private readonly internal: Uint8Array;
  private numbered?: { index: TermIndex; documentOf: Int32Array; causeOf: Int32Array };

  private constructor(parts: CatalogueParts) {
    this.causes = parts.causes;
    this.readCore = parts.core;
    this.cores = new Array(parts.ids.length);
    this.ids = parts.ids;
    this.internal = parts.internal;
    this.size = parts.internal.length;
    this.phrases = parts.phrases;
    this.words = parts.words;
    this.statusCauses = parts.statusCauses;
    this.wordWeights = parts.wordWeights;
    this.numbered_ = parts.numbers;
    this.byCode = parts.byCode;
    this.byFact = parts.byFact;
    this.groups = parts.groups;
    this.groupOf = new Uint32Array(this.size);
    // Indexed loops: this runs once, at a first request, before anything could optimise it.
    for (let group = 0; group < this.groups.length; group += 1) {
      const { members } = this.groups[group]!;
      for (let at = 0; at < members.length; at += 1) this.groupOf[members[at]!] = group;
    }
  }

  /** Catalogue position of each cause id. */
  get numbers(): ReadonlyMap<string, number> {
    if (typeof this.numbered_ === 'function') this.numbered_ = this.numbered_();
    return this.numbered_;
  }

  /** The cause numbered `number`; a prebuilt library reads it on first need. */
  cause(number: number): Cause {
    return this.causes[number]!;
  }

  /** What scoring reads of the cause numbered `number`, without reading its article. */
  core(number: number): CauseCore {
    let core = this.cores[number];
    if (!core) {
      core = this.readCore(number);
      this.cores[number] = core;
    }
    return core;
  }

  /** The id of the cause numbered `number`, without reading the cause. */
  id(number: number): string {
    return this.ids[number]!;
  }

  visibility(number: number): Visibility {
    return this.internal[number] === 1 ? 'internal' : 'public';
  }

  /**
   * Where each cause sits in a cause index, and back. The index is built in the knowledge
   * base's cause order, so this is usually the identity; it is worked out once per index.
   */
  numbering(index: TermIndex): { documentOf: Int32Array; causeOf: Int32Array } {
    if (this.numbered?.index !== index) {
      const documentOf = new Int32Array(this.size).fill(-1);
      const causeOf = new Int32Array(index.documentCount).fill(-1);
      if (index.ids === this.ids) {
        // A loaded library's catalogue and index share one list of ids: document n is cause n.
        for (let number = 0; number < this.size; number += 1) {
          documentOf[number] = number;
          causeOf[number] = number;
        }
      } else
        for (let document = 0; document < index.documentCount; document += 1) {
          const cause = this.numbers.get(index.ids[document]!);
          if (cause === undefined) continue;
          documentOf[cause] = document;
          causeOf[document] = cause;
        }
      this.numbered = { index, documentOf, causeOf };
    }
    return this.numbered;
  }

  static build(kb: KnowledgeBase): CauseCatalogue {
    const numbers = new Map<string, number>();
    const wordWeights = new Map<string, number>();
    const byCode = new Map<string, number[]>();
    const parts: CatalogueParts = {
      causes: kb.causes,
      core: (number) => coreOf(kb.causes[number]!),
      ids: kb.causes.map((cause) => cause.id),
      internal: Uint8Array.from(kb.causes, (cause) =>
        kb.bySlug.get(cause.articleSlug)?.visibility === 'internal' ? 1 : 0,
      ),
      phrases: new PhraseIndex<number>(),
      words: new PhraseIndex<number>(),
      statusCauses: new Map(),
      wordWeights,
      numbers,
      byCode,
      byFact: new Map(),
      groups: [],
    };
    const declaredBy = new Map<string, number>();
    const prepared = compileSignals(kb);
    prepared.forEach(({ phrases, words: declared }, number) => {
      for (const phrase of phrases) parts.phrases.add(phrase, number);
      // Spellings that stem alike ("expired", "expirou", "cookies", "cookie") are one word, shown as first written.
      const words = new Map<string, CompiledPhrase>();
      for (const word of declared) if (!words.has(phraseKey(word))) words.set(phraseKey(word), word);
      for (const [key, word] of words) {
        parts.words.add(word, number);
        declaredBy.set(key, (declaredBy.get(key) ?? 0) + 1);
      }
    });
    for (const [key, count] of declaredBy) wordWeights.set(key, 1 / count);
    for (const cause of kb.causes)
      for (const status of new Set(cause.signals.status))
        parts.statusCauses.set(status, (parts.statusCauses.get(status) ?? 0) + 1);
    const groupKeys = new Map<string, number>();
    kb.causes.forEach((cause, number) => {
      numbers.set(cause.id, number);
      for (const code of new Set(cause.signals.error)) listed(byCode, code).push(number);
      for (const fact of new Set(cause.signals.facts)) listed(parts.byFact, fact).push(number);
      const key = JSON.stringify([cause.signals.status, PENALTIES.map(([fact]) => cause.signals.facts.includes(fact))]);
      let group = groupKeys.get(key);
      if (group === undefined) {
        group = parts.groups.length;
        groupKeys.set(key, group);
        parts.groups.push({ members: [] });
      }
      parts.groups[group]!.members.push(number);
    });
    return new CauseCatalogue(parts);
  }

  /** The catalogue as a prebuilt library keeps it, and its phrase and word groups as records. */
  store(): { catalogue: StoredCatalogue; phrases: StoredGroup[][]; words: StoredGroup[][]; cores: StoredCore[] } {
    const phrases = this.phrases.store();
    const words = this.words.store();
    return {
      catalogue: {
        ids: this.ids,
        internal: storeFlags(this.internal),
        statusCauses: [...this.statusCauses],
        wordWeights: storeLookup(this.wordWeights),
        byCode: storeListLookup(this.byCode),
        byFact: [...this.byFact],
        groups: this.groups.map(({ members }) => members),
        phrases: phrases.phrases,
        words: words.phrases,
      },
      phrases: phrases.records,
      words: words.records,
      cores: this.ids.map((_, number) => {
        const { kind, status, error, facts } = this.core(number);
        return [kind, status, error, facts];
      }),
    };
  }

  /**
   * A catalogue from `store`'s output over the causes it was made from, which are read on first
   * need. `numbers`: where each id is, when the ids are kept where that can be looked up.
   */
  static restore(
    causes: Cause[],
    stored: StoredCatalogue,
    records: { phrases: RecordTable<StoredGroup[]>; words: RecordTable<StoredGroup[]>; cores: RecordTable<StoredCore> },
    numbers: () => ReadonlyMap<string, number> = () => new Map(stored.ids.map((id, number) => [id, number])),
  ): CauseCatalogue {
    return new CauseCatalogue({
      causes,
      core: (number) => {
        const [kind, status, error, facts] = records.cores.get(number);
        return { id: stored.ids[number]!, kind, status, error, facts };
      },
      ids: stored.ids,
      internal: restoreFlags(stored.internal, stored.ids.length),
      phrases: PhraseIndex.restore(stored.phrases, records.phrases),
      words: PhraseIndex.restore(stored.words, records.words),
      statusCauses: new Map(stored.statusCauses),
      wordWeights: new PackedLookup(stored.wordWeights),
      numbers,
      byCode: new PackedListLookup(stored.byCode),
      byFact: new Map(stored.byFact),
      groups: stored.groups.map((members) => ({ members })),
    });
  }
}

/** Each cause's phrases and words as the matcher reads them, in the knowledge base's cause order. */
export type CompiledSignals = Array<{ phrases: CompiledPhrase[]; words: CompiledPhrase[] }>;

/**
 * Each cause's compiled phrases, by cause object: a reload keeps the objects of the causes whose
 * article did not change, so only the changed ones are compiled again.
 */
const compiledCauses = new WeakMap<Cause, CompiledSignals[number]>();
/** Where a cause of a prebuilt library finds its compiled phrases, read when a rebuild needs them. */
const storedCompiled = new WeakMap<Cause, () => CompiledSignals[number]>();

/** Note where `cause`'s phrases and words were kept compiled, so a rebuild reads them instead of compiling them again. */
export function rememberCompiled(cause: Cause, read: () => CompiledSignals[number]): void {
  storedCompiled.set(cause, read);
}

/**
 * Tokenising and stemming every phrase is most of what a catalogue costs: a prebuilt library
 * does it once, at build (its causes bring theirs, see `rememberCompiled`), and a reload only
 * for the causes it changed.
 */
function compileSignals(kb: KnowledgeBase): CompiledSignals {
  return kb.causes.map((cause) => {
    let compiled = compiledCauses.get(cause) ?? storedCompiled.get(cause)?.();
    if (!compiled)
      compiled = { phrases: compilePhrases(cause.signals.phrases), words: compilePhrases(cause.signals.words) };
    compiledCauses.set(cause, compiled);
    return compiled;
  });
}

function listed<K>(map: Map<K, number[]>, key: K): number[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/** Signs that the report is not an authentication failure at all: they count against every cause that does not expect them. */
const PENALTIES = [
  ['network.error', 'networkError'],
  ['text.how-to', 'howToQuestion'],
] as const;

export interface ScoreOptions {
  /** Internal causes are scored only for agents. */
  includeInternal: boolean;
  scoring?: Scoring;
}

/**
 * Score the causes against the facts: declared statuses, error codes, phrases and facts add
 * points with evidence a person can check; text relevance to the cause's article adds the
 * rest. Only candidates are scored in full: causes with an error code, phrase, word or fact
 * found in the input, or whose article the input's words fit. Every other cause scores at
 * most what a status gives (2.5 points), below the bar to be named.
 */
export interface Scores {
  /** Causes that clear the bar, best first; empty when nothing fits. */
  causes: ScoredCause[];
  /** Causes whose article the input's words fit, best first, for further reading (found lazily). */
  /** The catalogue numbers of the causes whose documents fit the input's words, best first. */
  textRanking: Iterable<number>;
  /** Every visible cause's score, also those below the bar or below zero: the chat's prior. */
  all: CauseScores;
}

/**
 * Every visible cause's score, computed on demand: candidates were scored in full; any other
 * cause's score is its group's, which depends only on the statuses it declares.
 */
export class CauseScores {
  constructor(
    private readonly catalogue: CauseCatalogue,
    private readonly scored: Map<number, number>,
    private readonly groupScore: (group: number) => number,
    private readonly includeInternal: boolean,
  ) {}

  private visible(number: number): boolean {
    return this.includeInternal || this.catalogue.visibility(number) !== 'internal';
  }

  private scoreOf(number: number): number {
    return this.scored.get(number) ?? this.groupScore(this.catalogue.groupOf[number]!);
  }

  /** A visible cause's score; undefined for unknown or hidden causes. */
  get(id: string): number | undefined {
    const number = this.catalogue.numbers.get(id);
    return number === undefined || !this.visible(number) ? undefined : this.scoreOf(number);
  }

  /** Every visible cause with its score, in catalogue order (walks every cause). */
  *entries(): Generator<[string, number]> {
    for (let number = 0; number < this.catalogue.size; number += 1)
      if (this.visible(number)) yield [this.catalogue.id(number), this.scoreOf(number)];
  }

  *values(): Generator<number> {
    for (const [, score] of this.entries()) yield score;
  }

  /**
   * The best-scoring visible cause at or above `floor`, the last of equals in catalogue order;
   * reads the candidates and one cause per group, not every cause.
   */
  best(floor: number): string | undefined {
    let best = -1;
    let top = floor;
    const consider = (number: number, score: number): void => {
      if (score > top || (score === top && number > best)) {
        top = score;
        best = number;
      }
    };
    for (const [number, score] of this.scored) if (this.visible(number)) consider(number, score);
    this.catalogue.groups.forEach(({ members }, group) => {
      const score = this.groupScore(group);
      if (score < top) return;
      for (let at = members.length - 1; at >= 0; at -= 1) {
        const number = members[at]!;
        if (!this.scored.has(number) && this.visible(number)) {
          consider(number, score);
          return;
        }
      }
    });
    return best < 0 ? undefined : this.catalogue.id(best);
  }
}

export function scoreCauses(
  facts: FactSet,
  catalogue: CauseCatalogue,
  index: SearchIndex,
  options: ScoreOptions,
): Scores {
  const scoring = options.scoring ?? SCORING;
  const phraseMatches = new Map<number, Array<{ phrase: CompiledPhrase; how: 'exact' | 'near' }>>();
  const texts = facts.texts.map(withoutSettings);
  const positions = new TermPositions(texts);
  // Both indexes note what they miss before either throws: one fetch brings what a text needs.
  const phrasesReady = catalogue.phrases.ready(positions);
  if (!catalogue.words.ready(positions) || !phrasesReady) throw new NotYetRead();
  for (const { phrase, owner, how } of catalogue.phrases.matchAll(positions)) {
    const list = phraseMatches.get(owner) ?? [];
    list.push({ phrase, how });
    phraseMatches.set(owner, list);
  }
  const wordMatches = new Map<number, Map<string, CompiledPhrase>>();
  for (const { phrase, owner, how, key } of catalogue.words.matchAll(positions)) {
    if (how !== 'exact') continue;
    const found = wordMatches.get(owner) ?? new Map<string, CompiledPhrase>();
    found.set(key, phrase);
    wordMatches.set(owner, found);
  }
  const relevance = textRelevance(texts, index, catalogue, options.includeInternal, scoring);
  const observedStatuses = facts.statuses;
  const factIds = new Map<string, FactSet['facts']>();
  for (const fact of facts.facts) {
    const list = factIds.get(fact.id) ?? [];
    list.push(fact);
    factIds.set(fact.id, list);
  }
  const foundCodes = new Set(facts.errorCodes.map((found) => found.code));

  /** What the response status says for a cause that declares `declared`: points, and the status that matched. */
  const statusPart = (declared: number[]): { points: number; matching?: FactSet['statuses'][number] } | null => {
    if (declared.length === 0 || observedStatuses.length === 0) return null;
    const matching = observedStatuses.find((observed) => !observed.network && declared.includes(observed.status));
    if (matching) {
      const points = matching.inferred
        ? scoring.statusInferred
        : scoring.status + scoring.rareStatus / (catalogue.statusCauses.get(matching.status) ?? 1);
      return { points, matching };
    }
    // A 400 where the article says 401 is a vendor's choice; a 500 or a 404 is another problem.
    const unrelated = observedStatuses.some((observed) => observed.network || !AUTH_STATUSES.has(observed.status));
    const real = observedStatuses.some((observed) => !observed.inferred);
    return {
      points: !unrelated ? scoring.statusMismatchNear : real ? scoring.statusMismatch : scoring.statusMismatchInferred,
    };
  };

  /** The points against a cause that declares `declared` facts: one per sign of another problem it does not expect. */
  const penaltiesOf = (declared: string[]): number[] =>
    PENALTIES.filter(([factId]) => factIds.has(factId) && !declared.includes(factId)).map(
      ([, penalty]) => scoring[penalty],
    );

  /**
   * The score of a cause with no evidence of its own: its status and the signs against every
   * cause, added in the order `scoreOne` adds them, so the two agree to the last bit.
   */
  const baseOf = (number: number): number => {
    const signals = catalogue.core(number);
    let score = 0;
    const status = statusPart(signals.status);
    if (status) score += status.points;
    for (const points of penaltiesOf(signals.facts)) score += points;
    return score;
  };

  /**
   * One cause's score and evidence, from everything the input shows. Without `describe` the
   * evidence is only counted (ties are told apart by its amount): most candidates are scored
   * and dropped, and only the few named need their evidence in words.
   */
  const scoreOne = (
    number: number,
    describe: boolean,
  ): { score: number; hard: boolean; evidence: Evidence[]; count: number; relevance: number } => {
    const cause = catalogue.core(number);
    const evidence: Evidence[] = [];
    let count = 0;
    const note = (item: () => Evidence): void => {
      count += 1;
      if (describe) evidence.push(item());
    };
    let score = 0;
    let hard = false;
    const signals = cause;

    const status = statusPart(signals.status);
    if (status) {
      score += status.points;
      if (status.matching) {
        const { matching } = status;
        note(() => ({
          source: 'status',
          detail: matching.inferred
            ? `the report mentions status ${matching.status}`
            : `the response status is ${matching.status}`,
          ...entryOf(matching.entry),
        }));
      }
    }

    const codes = facts.errorCodes.filter((found) => signals.error.includes(found.code));
    const seenCodes = new Set<string>();
    for (const found of codes) {
      if (seenCodes.has(found.code)) continue;
      seenCodes.add(found.code);
      score += scoring.errorCode;
      hard = true;
      note(() => ({
        source: 'error-code',
        detail: `error code ${found.code} in ${found.where}`,
        ...entryOf(found.entry),
      }));
    }

    const found = phraseMatches.get(number) ?? [];
    const exact = found.filter((match) => match.how === 'exact').map((match) => match.phrase);
    const matched = exact.length > 0 ? exact : found.map((match) => match.phrase);
    if (matched.length > 0) {
      const weight = exact.length > 0 ? 1 : scoring.nearPhraseFactor;
      hard = true;
      score += weight * (scoring.phrase + scoring.extraPhrase * Math.min(matched.length - 1, scoring.maxExtraPhrases));
      note(() => {
        const shown = matched
          .slice(0, 3)
          .map((phrase) => `“${phrase.text}”`)
          .join(', ');
        return {
          source: 'phrase',
          detail:
            exact.length > 0 ? `the input matches the known wording ${shown}` : `the input comes close to ${shown}`,
        };
      });
    }

    for (const factId of new Set(signals.facts)) {
      const found = factIds.get(factId);
      if (!found) continue;
      score += scoring.fact;
      hard = true;
      for (const fact of found.slice(0, 3))
        note(() => ({ source: fact.source, detail: fact.detail, ...entryOf(fact.entry) }));
    }

    // Signs that the report is not an authentication failure at all count against every cause.
    for (const points of penaltiesOf(signals.facts)) score += points;

    // Mechanism words read a story that lacks the cause's known wording; where that wording
    // is present, it already speaks for the cause and the words add nothing.
    const words = [...(wordMatches.get(number) ?? new Map<string, CompiledPhrase>())];
    if (words.length > 0 && exact.length === 0) {
      const points = words.reduce((sum, [key]) => sum + (catalogue.wordWeights.get(key) ?? 0), 0);
      score += scoring.word * Math.min(scoring.maxWordPoints, points);
      note(() => {
        const shown = words
          .sort(([a], [b]) => (catalogue.wordWeights.get(b) ?? 0) - (catalogue.wordWeights.get(a) ?? 0))
          .slice(0, 6)
          .map(([, word]) => word.text);
        return { source: 'words', detail: `the description speaks of ${shown.join(', ')}` };
      });
    }

    const textValue = relevance.valueOf(number);
    if (textValue >= scoring.minimumRelevance) {
      score += scoring.textRelevance * textValue;
      note(() => {
        const words = relevance
          .termsOf(number)
          .slice(0, 6)
          .map((term) => relevance.words().get(term) ?? term);
        return {
          source: 'text',
          detail: `the description shares these words with this cause's article: ${words.join(', ')}`,
        };
      });
    }
    return { score, hard, evidence, count, relevance: textValue };
  };

  // Candidates: what the input itself points at. "Strong" ones have an error code, a fact or a
  // text fit of their own; phrases and mechanism words name the rest.
  const strong = new Set<number>();
  for (const code of foundCodes) for (const number of catalogue.byCode.get(code) ?? []) strong.add(number);
  for (const factId of factIds.keys()) for (const number of catalogue.byFact.get(factId) ?? []) strong.add(number);
  for (const number of relevance.above(scoring.minimumRelevance)) strong.add(number);
  const candidates = new Set(strong);
  for (const number of [...phraseMatches.keys(), ...wordMatches.keys()]) candidates.add(number);

  const groupScores = new Map<number, number>();
  const groupScore = (group: number): number => {
    let score = groupScores.get(group);
    if (score === undefined) {
      score = baseOf(catalogue.groups[group]!.members[0]!);
      groupScores.set(group, score);
    }
    return score;
  };

  // A cause that only some mechanism words point at ("invoice", declared by hundreds) scores its
  // group's base plus the words' points, cheaply; it is scored in full only if it could be named
  // (from the lowest bar up) or could lead the ranking, which decides whether anything is named.
  const wordsOnly = (number: number): boolean => !strong.has(number) && !phraseMatches.has(number);
  const scores = new Map<number, number>();
  const full: number[] = [];
  const light: number[] = [];
  for (const number of candidates) {
    const visibility = catalogue.visibility(number);
    if (visibility === 'internal' && !options.includeInternal) continue;
    if (!wordsOnly(number)) {
      full.push(number);
      continue;
    }
    const words = wordMatches.get(number)!;
    let points = 0;
    for (const key of words.keys()) points += catalogue.wordWeights.get(key) ?? 0;
    scores.set(number, groupScore(catalogue.groupOf[number]!) + scoring.word * Math.min(scoring.maxWordPoints, points));
    light.push(number);
  }
  const described = new Map<number, ReturnType<typeof scoreOne>>();
  for (const number of full) {
    const result = scoreOne(number, false);
    described.set(number, result);
    scores.set(number, result.score);
  }
  let top = Number.NEGATIVE_INFINITY;
  for (const score of scores.values()) if (score > top) top = score;
  for (const number of light) {
    const score = scores.get(number)!;
    if (score >= Math.min(scoring.minimumScore, top)) described.set(number, scoreOne(number, false));
  }
  const scored: Candidate[] = [];
  for (const number of [...described.keys()].sort((a, b) => a - b)) {
    const { score, hard, count, relevance: value } = described.get(number)!;
    if (score > 0)
      scored.push({
        // Read only for the causes named: most candidates never need their article.
        get cause() {
          return catalogue.cause(number);
        },
        lookalike: catalogue.core(number).kind === 'lookalike',
        number,
        score,
        relevance: value,
        hard,
        confidence: 0,
        evidence: [],
        count,
      });
  }
  // Built with the getter kept: the causes named are read when answering, all in one round.
  const named = rank(scored, scoring).map(({ number, score, relevance, hard, confidence }) => ({
    get cause() {
      return catalogue.cause(number);
    },
    score,
    relevance,
    hard,
    confidence,
    evidence: scoreOne(number, true).evidence,
  }));
  return {
    causes: named,
    textRanking: relevance.ranking(),
    all: new CauseScores(catalogue, scores, groupScore, options.includeInternal),
  };
}

/**
 * A setting printed in an error ("Allowed clock skew: 0 milliseconds", "leeway=0") names a
 * knob, not what went wrong: an expiry error that quotes its clock tolerance is still an
 * expiry error. Such settings are left out of the words phrases and relevance are read from.
 */
const PRINTED_SETTING =
  /\b(?:(?:allowed|max(?:imum)?|configured)\s+)?(?:clock[\s_-]?(?:skew|tolerance|drift)|leeway)\s*[:=]\s*-?[\d.:]{1,20}(?:\s?(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?)\b)?/gi;

function withoutSettings(text: string): string {
  return text.replace(PRINTED_SETTING, ' ');
}

function entryOf(entry: number | undefined): { entry?: number } {
  return entry === undefined ? {} : { entry };
}

/** Keep causes that clear the bar and are close enough to the best; attach confidences. */
function rank(scored: Candidate[], scoring: Scoring): Candidate[] {
  // Equal scores are told apart by how well the words fit, then by the amount of evidence;
  // never by id. What stays equal is reported as a near-tie (see nearTieOf).
  scored.sort((a, b) => b.score - a.score || b.relevance - a.relevance || b.count - a.count);
  const best = scored[0]?.score ?? 0;
  // A lookalike named on soft evidence costs no false alarm: it says "not an authentication
  // problem" and routes the customer elsewhere, so it needs only the ordinary bar.
  const clears = (candidate: Candidate): boolean =>
    candidate.score >= (candidate.hard || candidate.lookalike ? scoring.minimumScore : scoring.minimumSoftScore);
  // When the best fit is too weak to name, nothing is named: a weaker one is not a better answer.
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

/**
 * How well the input's words fit each cause's article, in 0..1. The cause documents are ranked
 * by BM25+; each score is taken relative to the best one, and the whole set is scaled down when
 * even the best match is weak, so a few shared common words stay low.
 */
interface TextRelevance {
  /** By catalogue number. */
  valueOf(cause: number): number;
  /** The index terms the cause's document shares with the input. */
  termsOf(cause: number): string[];
  /** Catalogue numbers of the causes whose relevance reaches `floor`. */
  above(floor: number): number[];
  /** Causes best first, found as far as the caller reads. */
  ranking(): Iterable<number>;
  /** The input's own word for each term of the five best causes, to show people words rather than stems. */
  words(): Map<string, string>;
}

const NO_RELEVANCE: TextRelevance = {
  valueOf: () => 0,
  termsOf: () => [],
  above: () => [],
  ranking: () => [],
  words: () => new Map(),
};

function textRelevance(
  texts: string[],
  index: SearchIndex,
  catalogue: CauseCatalogue,
  includeInternal: boolean,
  scoring: Scoring,
): TextRelevance {
  const text = texts.join(' \n ');
  const terms = queryTerms(text);
  if (terms.length === 0) return NO_RELEVANCE;
  const results = index.causes.search(exactQuery(terms), { combine: 'or', includeInternal });
  const [top] = results.top(1);
  if (top === undefined) return NO_RELEVANCE;
  const best = results.score(top);
  // Words another cause knows and the best one does not ("dns", "quota") say the input is about
  // something else; words no article uses at all (product names, versions, ids) say nothing.
  const known = terms.filter((term) => index.causes.has(term)).length;
  const coverage = results.terms(top).length / Math.max(1, known);
  const strength = Math.min(1, best / scoring.fullRelevanceScore) * Math.sqrt(coverage);
  const { documentOf, causeOf } = catalogue.numbering(index.causes);
  const value = (document: number): number => (results.score(document) / best) * strength;
  const found = (cause: number): number => {
    const document = documentOf[cause]!;
    return document >= 0 && results.has(document) ? document : -1;
  };
  let words: Map<string, string> | undefined;
  return {
    valueOf: (cause) => {
      const document = found(cause);
      return document < 0 ? 0 : value(document);
    },
    termsOf: (cause) => {
      const document = found(cause);
      return document < 0 ? [] : results.terms(document);
    },
    above: (floor) => {
      const causes: number[] = [];
      for (const document of results.documents)
        if (value(document) >= floor && causeOf[document]! >= 0) causes.push(causeOf[document]!);
      return causes;
    },
    ranking: () => numbersOf(results, causeOf),
    words: () => {
      words ??= inputWords(text, results);
      return words;
    },
  };
}

function* numbersOf(results: QueryResult, causeOf: Int32Array): Generator<number> {
  for (const document of results.ranked()) if (causeOf[document]! >= 0) yield causeOf[document]!;
}

function inputWords(text: string, results: QueryResult): Map<string, string> {
  const words = new Map<string, string>();
  const wanted = new Set(results.top(5).flatMap((document) => results.terms(document)));
  for (const word of tokenize(text.slice(0, 65_536))) {
    const term = processTerm(word);
    if (term && wanted.has(term) && !words.has(term)) words.set(term, word.toLowerCase());
  }
  return words;
}

/** The causes that fit about as well as the first: when there are two or more, the answer is uncertain. */
export function nearTieOf<T extends { score: number }>(ranked: T[]): T[] {
  const best = ranked[0]?.score ?? 0;
  return best > 0 ? ranked.filter((candidate) => candidate.score >= best * NEAR_TIE_RATIO) : [];
}
