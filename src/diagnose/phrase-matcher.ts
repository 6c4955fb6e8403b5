import { PackedStrings, packStrings, type StoredStrings } from '../kb/packed-strings.ts';
import type { RecordTable } from '../kb/record-table.ts';
import { isFiller, isNegation, processTerm, termsOf, tokenize } from '../kb/vocabulary.ts';

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

interface PhraseEntry<Owner> {
  phrase: CompiledPhrase;
  owner: Owner;
  /** Order of adding: matches are reported in the order a scan by first term would find them. */
  order: number;
}

/** Phrases with the same terms matched the same way: checked once for all who declare them. */
interface PhraseGroup<Owner> {
  key: string;
  terms: CompiledPhrase;
  entries: Array<PhraseEntry<Owner>>;
}

/**
 * A group read from a prebuilt index: its entries (who declared it) are made when first asked
 * for, which is once a text matches it. A class, not an object with getters of its own, so that
 * the thousands an isolate comes to hold carry no functions each.
 */
class StoredPhraseGroup<Owner> implements PhraseGroup<Owner> {
  readonly terms: CompiledPhrase;
  private made?: Array<PhraseEntry<Owner>>;
  private madeKey?: string;

  constructor(private readonly stored: StoredGroup) {
    const [joined, wordForWord, declared] = stored;
    this.terms = {
      text: declared[0]![2] ?? joined,
      terms: joined.includes(' ') ? joined.split(' ') : [joined],
      exact: wordForWord === 1,
    };
  }

  get key(): string {
    this.madeKey ??= `${this.terms.exact ? '=' : ''}${this.stored[0]}`;
    return this.madeKey;
  }

  get entries(): Array<PhraseEntry<Owner>> {
    if (!this.made) {
      const [joined, , declared] = this.stored;
      const { terms, exact } = this.terms;
      this.made = declared.map(([owner, order, text = joined]) => ({
        phrase: { text, terms, exact },
        owner: owner as Owner,
        order,
      }));
    }
    return this.made;
  }
}

type Buckets<Owner> = Record<'exact' | 'content', Map<string, Array<PhraseGroup<Owner>>>>;

export interface PhraseMatch<Owner> {
  phrase: CompiledPhrase;
  owner: Owner;
  how: 'exact' | 'near';
  /** The same for phrases that match alike ("cookies", "cookie"): `=` for word-for-word, then the terms. */
  key: string;
}

/** Two phrases with this key match the same texts the same way. */
export function phraseKey(phrase: CompiledPhrase): string {
  return `${phrase.exact ? '=' : ''}${phrase.terms.join(' ')}`;
}

/**
 * A group as a prebuilt library stores it: its terms joined by spaces, 1 when matched word for
 * word, and each declaration as [its owner (a cause's number), its order of adding, the text as
 * written when that is not the terms joined]. Its key follows from the first two.
 */
export type StoredGroup = [string, 0 | 1, Array<[number, number] | [number, number, string]>];

/** A prebuilt phrase index: the sorted terms phrases are filed under, word-for-word ones first; each term's groups are a record. */
export interface StoredPhrases {
  exact: StoredStrings;
  content: StoredStrings;
}

/**
 * Phrases filed under their rarest term (the one fewest phrases use), so a request checks only
 * the phrases whose rarest term it contains: with thousands of causes, a phrase starting with
 * "token" is not tried against every report that says "token". Causes that declare the same
 * phrase (a word such as "invoice", declared by hundreds) share one check. A prebuilt index
 * (`restore`) reads a term's phrases from its records the first time a text contains it.
 */
export class PhraseIndex<Owner> {
  private readonly entries: Array<PhraseEntry<Owner>> = [];
  private buckets?: Buckets<Owner>;
  private stored?: { terms: Record<'exact' | 'content', PackedStrings>; records: RecordTable<StoredGroup[]> };

  add(phrase: CompiledPhrase, owner: Owner): void {
    if (this.stored) throw new Error('a prebuilt phrase index cannot take more phrases');
    this.entries.push({ phrase, owner, order: this.entries.length });
    this.buckets = undefined;
  }

  /** File every phrase under its rarest term; done once, before the first match. */
  prepare(): void {
    if (this.buckets) return;
    const buckets: Buckets<Owner> = { exact: new Map(), content: new Map() };
    this.buckets = buckets;
    if (this.stored) return;
    const groups = new Map<string, PhraseGroup<Owner>>();
    for (const entry of this.entries) {
      const key = phraseKey(entry.phrase);
      const group = groups.get(key);
      if (group) group.entries.push(entry);
      else groups.set(key, { key, terms: entry.phrase, entries: [entry] });
    }
    const uses = new Map<string, number>();
    for (const { terms } of groups.values())
      for (const term of new Set(terms.terms)) uses.set(term, (uses.get(term) ?? 0) + 1);
    for (const group of groups.values()) {
      let rarest = group.terms.terms[0]!;
      for (const term of group.terms.terms) if (uses.get(term)! < uses.get(rarest)!) rarest = term;
      const index = group.terms.exact ? buckets.exact : buckets.content;
      const list = index.get(rarest);
      if (list) list.push(group);
      else index.set(rarest, [group]);
    }
  }

  /** The groups filed under `term`; a prebuilt index reads them on first need. */
  private groupsOf(exact: boolean, term: string): Array<PhraseGroup<Owner>> | undefined {
    const kind = exact ? 'exact' : 'content';
    const bucket = this.buckets![kind];
    const known = bucket.get(term);
    if (known || !this.stored) return known;
    const at = this.stored.terms[kind].find(term);
    if (at < 0) return undefined;
    const records = this.stored.records.get(exact ? at : this.stored.terms.exact.length + at);
    // A term's groups are many and few match a text: who declared a group is made once it does.
    const groups = records.map((stored) => new StoredPhraseGroup<Owner>(stored));
    bucket.set(term, groups);
    return groups;
  }

  /**
   * Whether the groups of every term in `positions` can be read now. A prebuilt index whose
   * records are fetched on demand notes each one still missing, so that one fetch brings all a
   * text needs (see `NotYetRead`).
   */
  ready(positions: TermPositions): boolean {
    this.prepare();
    const stored = this.stored;
    if (!stored) return true;
    let ready = true;
    for (const exact of [true, false]) {
      const kind = exact ? 'exact' : 'content';
      for (const term of positions.termsPresent(exact)) {
        if (this.buckets![kind].has(term)) continue;
        const at = stored.terms[kind].find(term);
        if (at >= 0 && !stored.records.has(exact ? at : stored.terms.exact.length + at)) ready = false;
      }
    }
    return ready;
  }

  /** The index as a prebuilt library keeps it: the filing terms, and each term's groups as one record. */
  store(this: PhraseIndex<number>): { phrases: StoredPhrases; records: StoredGroup[][] } {
    this.prepare();
    const records: StoredGroup[][] = [];
    const kinds = (['exact', 'content'] as const).map((kind) => {
      const terms = [...this.buckets![kind].keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const term of terms)
        records.push(
          this.buckets![kind].get(term)!.map(({ terms: phrase, entries }) => {
            const joined = phrase.terms.join(' ');
            return [
              joined,
              phrase.exact ? 1 : 0,
              entries.map(({ phrase: declared, owner, order }) =>
                declared.text === joined ? [owner, order] : [owner, order, declared.text],
              ),
            ];
          }),
        );
      return packStrings(terms, true);
    });
    return { phrases: { exact: kinds[0]!, content: kinds[1]! }, records };
  }

  /** An index from `store`'s output, whose records are read when a text first contains their term. */
  static restore(phrases: StoredPhrases, records: RecordTable<StoredGroup[]>): PhraseIndex<number> {
    const index = new PhraseIndex<number>();
    index.stored = {
      terms: { exact: new PackedStrings(phrases.exact), content: new PackedStrings(phrases.content) },
      records,
    };
    return index;
  }

  /**
   * Every phrase found in the text, with how it matched: word-for-word phrases first, then by
   * where the phrase's first term first occurs, then in the order the phrases were added.
   */
  matchAll(positions: TermPositions): Array<PhraseMatch<Owner>> {
    this.prepare();
    const found: Array<PhraseMatch<Owner>> = [];
    for (const exact of [true, false]) {
      const rank = new Map<string, number>();
      for (const term of positions.termsPresent(exact)) rank.set(term, rank.size);
      const matched: Array<{ entry: PhraseEntry<Owner>; how: 'exact' | 'near'; first: number; key: string }> = [];
      for (const term of rank.keys()) {
        for (const group of this.groupsOf(exact, term) ?? []) {
          const how = positions.match(group.terms);
          if (!how) continue;
          const first = rank.get(group.terms.terms[0]!)!;
          for (const entry of group.entries) matched.push({ entry, how, first, key: group.key });
        }
      }
      matched.sort((a, b) => a.first - b.first || a.entry.order - b.entry.order);
      for (const { entry, how, key } of matched) found.push({ phrase: entry.phrase, owner: entry.owner, how, key });
    }
    return found;
  }
}

/**
 * The terms of one or more texts with their positions, so that hundreds of phrases can be
 * checked against a long paste without rescanning it for each phrase.
 */
export class TermPositions {
  private readonly content: Map<string, number[]>;
  private readonly all: Map<string, number[]>;

  constructor(texts: string[]) {
    [this.content, this.all] = positionsOf(texts);
  }

  /** The distinct terms present, for each way of matching. */
  termsPresent(exact: boolean): IterableIterator<string> {
    return (exact ? this.all : this.content).keys();
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
    // Word-for-word phrases (negations, names) and ones that repeat a word ("Bearer Bearer")
    // mean their exact order: no near matches.
    if (phrase.exact || new Set(phrase.terms).size < phrase.terms.length) return null;
    return withinWindow(lists as number[][], phrase.terms.length + NEAR_SLACK) ? 'near' : null;
  }
}

/** Where a sentence ends: a full stop, question or exclamation mark before a space (a line break alone may wrap a quoted error). */
const SENTENCE_END = /(?<=[.!?。！？])\s+/;

/** How many extra terms a `near` match may span beyond the phrase's own length. */
const NEAR_SLACK = 3;
/** Longest position list scanned for a near match; a term this common decides nothing. */
const MAX_NEAR_POSITIONS = 2_000;

/** Whether one position from each list fits inside a window of `width` terms. */
function withinWindow(lists: number[][], width: number): boolean {
  if (lists.some((list) => list.length > MAX_NEAR_POSITIONS)) return false;
  const events = lists
    .flatMap((list, which) => list.map((position) => [position, which] as const))
    .sort((a, b) => a[0] - b[0]);
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
 * Where each term occurs, in one pass: `all` counts every word, `content` only meaningful
 * terms, leaving out a term that directly follows a negation.
 */
function positionsOf(texts: string[]): [Map<string, number[]>, Map<string, number[]>] {
  const content = new Map<string, number[]>();
  const all = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, position: number): void => {
    const list = map.get(key);
    if (list) list.push(position);
    else map.set(key, [position]);
  };
  let contentOffset = 0;
  let allOffset = 0;
  for (const text of texts) {
    for (const sentence of text.split(SENTENCE_END)) {
      let negated = false;
      for (const word of tokenize(sentence)) {
        const term = processTerm(word);
        if (term) {
          if (!negated) push(content, term, contentOffset);
          contentOffset += 1;
          negated = false;
        } else if (isNegation(word)) negated = true;
        if (!term && isFiller(word)) continue;
        push(all, term ?? (isNegation(word) ? 'not' : word.toLowerCase()), allOffset);
        allOffset += 1;
      }
      // A gap wider than any near match keeps a phrase inside one sentence: "ID token expired.
      // The refresh flow is not involved" does not come close to "refresh token expired".
      contentOffset += NEAR_SLACK + 1;
      allOffset += NEAR_SLACK + 1;
    }
  }
  return [content, all];
}
