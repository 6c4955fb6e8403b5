import { isNegation, processTerm, termsOf, tokenize } from '../kb/vocabulary.ts';

/** A phrase as the author wrote it and as the terms it is matched by. */
export interface CompiledPhrase {
  text: string;
  terms: string[];
  /** Matched word for word, small words included. */
  exact: boolean;
}

/**
 * Most phrases match on their meaningful words only, so "token has expired" also finds "the
 * token expired". A phrase keeps its small words when they carry the meaning: a negation ("no
 * credentials were provided") or a name such as `NotBeforeError` that would shrink to "error".
 */
export function compilePhrase(text: string): CompiledPhrase {
  const words = tokenize(text);
  const content = termsOf(text);
  const exact = words.some(isNegation) || (words.length > 1 && content.length < 2);
  return { text, terms: exact ? termsOf(text, true) : content, exact };
}

export function compilePhrases(phrases: string[]): CompiledPhrase[] {
  return phrases.map(compilePhrase).filter((phrase) => phrase.terms.length > 0);
}

/**
 * The terms of one or more texts with their positions, so that hundreds of phrases can be
 * checked against a long paste without rescanning it for each phrase.
 */
export class TermPositions {
  private readonly content: Map<string, number[]>;
  private readonly all: Map<string, number[]>;

  constructor(texts: string[]) {
    this.content = positionsOf(texts, false);
    this.all = positionsOf(texts, true);
  }

  /**
   * `exact` when the phrase's terms occur one after another; `near` when they all occur, in
   * any order, within a few terms of each other ("line break in the token" / "the token has a
   * line break"); `null` otherwise. A word right after a negation ("isn't expired") does not
   * count for phrases matched on meaningful words only.
   */
  match(phrase: CompiledPhrase): 'exact' | 'near' | null {
    const positions = phrase.exact ? this.all : this.content;
    const lists = phrase.terms.map((term) => positions.get(term));
    if (lists.some((list) => !list || list.length === 0)) return null;
    const [starts, ...followers] = lists as number[][];
    if (followers.length === 0) return 'exact';
    const sets = followers.map((list) => new Set(list));
    if (starts!.some((start) => sets.every((set, index) => set.has(start + index + 1)))) return 'exact';
    // A phrase that repeats a word ("Bearer Bearer") means the repetition: exact only.
    if (new Set(phrase.terms).size < phrase.terms.length) return null;
    return withinWindow(lists as number[][], phrase.terms.length + NEAR_SLACK) ? 'near' : null;
  }
}

/** How many extra terms a `near` match may span beyond the phrase's own length. */
const NEAR_SLACK = 3;
/** Longest position list scanned for a near match; a term this common decides nothing. */
const MAX_NEAR_POSITIONS = 2_000;

/** Whether one position from each list fits inside a window of `width` terms. */
function withinWindow(lists: number[][], width: number): boolean {
  if (lists.some((list) => list.length > MAX_NEAR_POSITIONS)) return false;
  const events = lists.flatMap((list, which) => list.map((position) => [position, which] as const)).sort((a, b) => a[0] - b[0]);
  const counts = new Array<number>(lists.length).fill(0);
  let covered = 0;
  let left = 0;
  for (const [position, which] of events) {
    counts[which] = counts[which]! + 1;
    if (counts[which] === 1) covered += 1;
    while (events[left]![0] <= position - width) {
      const leaving = events[left]![1];
      counts[leaving] = counts[leaving]! - 1;
      if (counts[leaving] === 0) covered -= 1;
      left += 1;
    }
    if (covered === lists.length) return true;
  }
  return false;
}

/**
 * Where each term occurs. With `keepStopWords` every word counts; without, only meaningful
 * terms do, and a term that directly follows a negation is left out.
 */
function positionsOf(texts: string[], keepStopWords: boolean): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  let offset = 0;
  for (const text of texts) {
    let negated = false;
    for (const word of tokenize(text)) {
      const term = processTerm(word);
      if (!term) {
        if (isNegation(word)) negated = true;
        if (!keepStopWords) continue;
      }
      const key = term ?? (isNegation(word) ? 'not' : word.toLowerCase());
      if (keepStopWords || !negated) {
        let list = positions.get(key);
        if (!list) positions.set(key, (list = []));
        list.push(offset);
      }
      if (term) negated = false;
      offset += 1;
    }
    // A gap between texts keeps a phrase from spanning two of them.
    offset += 1;
  }
  return positions;
}
