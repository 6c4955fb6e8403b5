/**
 * Many short strings stored as one: their text joined and where each ends. A library's lists of
 * ids, slugs, error codes and words load as two JSON values instead of thousands of strings
 * (parsing and keeping those is most of what loading the header costs), and a string is sliced
 * out only when it is read. A key is found by binary search over the joined text, comparing in
 * place, without making a string per probe.
 */
export interface StoredStrings {
  text: string;
  /** Where each string ends in `text` (a library reads it as a Uint32Array). */
  ends: ArrayLike<number>;
  /** The strings' positions in code unit order, when the list itself is in another order. */
  order?: ArrayLike<number>;
}

/** Where each of `parts` ends when they are laid one after another. */
function endsOf(parts: readonly { length: number }[]): number[] {
  const ends: number[] = [];
  let end = 0;
  for (const part of parts) {
    end += part.length;
    ends.push(end);
  }
  return ends;
}

/** Where part `at` starts, given where each ends. */
const startOf = (ends: ArrayLike<number>, at: number): number => (at === 0 ? 0 : ends[at - 1]!);

/** Where the last part ends: the length the parts cover. */
const lastEnd = (ends: ArrayLike<number>): number => (ends.length === 0 ? 0 : ends[ends.length - 1]!);

/** Code unit order, as `<` compares strings. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `strings` stored as one. `findable`: `find` can look them up; a list not already in code unit
 * order keeps the sorted order of its positions beside it.
 */
export function packStrings(strings: readonly string[], findable = false): StoredStrings {
  const stored: StoredStrings = { text: strings.join(''), ends: endsOf(strings) };
  if (!findable) return stored;
  const sorted = strings.every((string, at) => at === 0 || byCodeUnits(strings[at - 1]!, string) <= 0);
  if (!sorted) stored.order = Array.from(strings.keys()).sort((a, b) => byCodeUnits(strings[a]!, strings[b]!) || a - b);
  return stored;
}

export class PackedStrings {
  private readonly text: string;
  private readonly ends: ArrayLike<number>;
  private readonly order?: ArrayLike<number>;

  constructor(stored: StoredStrings) {
    this.text = stored.text;
    this.ends = stored.ends;
    if (stored.order) this.order = stored.order;
    if (lastEnd(stored.ends) !== stored.text.length || (stored.order && stored.order.length !== stored.ends.length))
      throw new Error('packed strings: the text does not match its ends; rebuild with `npm run build`');
  }

  get length(): number {
    return this.ends.length;
  }

  /** The string at position `at`. */
  at(at: number): string {
    return this.text.slice(startOf(this.ends, at), this.ends[at]);
  }

  /** `key` against the string at position `at`, in code unit order: negative when `key` comes first. */
  private compare(key: string, at: number): number {
    const { text } = this;
    const start = startOf(this.ends, at);
    const length = this.ends[at]! - start;
    const shorter = Math.min(key.length, length);
    for (let offset = 0; offset < shorter; offset += 1) {
      const difference = key.charCodeAt(offset) - text.charCodeAt(start + offset);
      if (difference !== 0) return difference;
    }
    return key.length - length;
  }

  /** The position of `key` (the first, if it is there more than once), or -1. Needs a list packed `findable`. */
  find(key: string): number {
    const { order } = this;
    let low = 0;
    let high = this.ends.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = order ? order[middle]! : middle;
      const difference = this.compare(key, at);
      if (difference === 0) found = at;
      if (difference <= 0) high = middle - 1;
      else low = middle + 1;
    }
    return found;
  }

  /** Each string and its position, in list order. */
  *entries(): MapIterator<[string, number]> {
    for (let at = 0; at < this.ends.length; at += 1) yield [this.at(at), at];
  }
}

/**
 * Positions by string, as a read-only map over packed strings: looking one up costs a binary
 * search, and nothing is made until it is asked for. For a list without repeats (ids, slugs).
 */
export class PackedPositions implements ReadonlyMap<string, number> {
  constructor(private readonly strings: PackedStrings) {}

  get size(): number {
    return this.strings.length;
  }

  get(key: string): number | undefined {
    const at = this.strings.find(key);
    return at < 0 ? undefined : at;
  }

  has(key: string): boolean {
    return this.strings.find(key) >= 0;
  }

  entries(): MapIterator<[string, number]> {
    return this.strings.entries();
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.strings.entries()) yield key;
  }

  *values(): MapIterator<number> {
    for (let at = 0; at < this.strings.length; at += 1) yield at;
  }

  forEach(callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (const [key, at] of this.strings.entries()) callback(at, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }
}

/** A value for each of some keys, as a prebuilt library keeps them: the keys packed (findable), the values beside them. */
export interface StoredLookup<V> {
  keys: StoredStrings;
  values: V[];
}

/** What a lookup table offers: a `Map` is one, and so is a `PackedLookup`. */
export interface Lookup<V> {
  get(key: string): V | undefined;
  entries(): Iterable<[string, V]>;
}

export function storeLookup<V>(lookup: Lookup<V>): StoredLookup<V> {
  const entries = [...lookup.entries()].sort(([a], [b]) => byCodeUnits(a, b));
  return {
    keys: packStrings(
      entries.map(([key]) => key),
      true,
    ),
    values: entries.map(([, value]) => value),
  };
}

/** A table whose keys are packed: a key is found in place, and its value made by `valueAt`. */
abstract class PackedTable<V> implements Lookup<V> {
  protected readonly keys: PackedStrings;

  constructor(keys: StoredStrings, values: number) {
    this.keys = new PackedStrings(keys);
    if (values !== this.keys.length)
      throw new Error('packed lookup: the keys do not match their values; rebuild with `npm run build`');
  }

  protected abstract valueAt(at: number): V;

  get(key: string): V | undefined {
    const at = this.keys.find(key);
    return at < 0 ? undefined : this.valueAt(at);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, at] of this.keys.entries()) yield [key, this.valueAt(at)];
  }
}

/** A `storeLookup` table, read in place. */
export class PackedLookup<V> extends PackedTable<V> {
  constructor(private readonly stored: StoredLookup<V>) {
    super(stored.keys, stored.values.length);
  }

  protected valueAt(at: number): V {
    return this.stored.values[at]!;
  }
}

/** The positions set to 1 among `flags` (0 or 1 each): few are, so the list is short where the flags are not. */
export function storeFlags(flags: ArrayLike<number>): number[] {
  const set: number[] = [];
  for (let at = 0; at < flags.length; at += 1) if (flags[at] === 1) set.push(at);
  return set;
}

/** `storeFlags`' list as the flags of `length` positions. */
export function restoreFlags(set: ArrayLike<number>, length: number): Uint8Array {
  const flags = new Uint8Array(length);
  for (let which = 0; which < set.length; which += 1) {
    const at = set[which]!;
    if (!(at >= 0 && at < length)) throw new Error('flags: a position is out of range; rebuild with `npm run build`');
    flags[at] = 1;
  }
  return flags;
}

/** A list of numbers for each of some keys, kept flat: thousands of short lists parse as two arrays. */
export interface StoredListLookup {
  keys: StoredStrings;
  items: ArrayLike<number>;
  /** Where each key's list ends in `items`. */
  ends: ArrayLike<number>;
}

export function storeListLookup(lookup: Lookup<readonly number[]>): StoredListLookup {
  const { keys, values } = storeLookup(lookup);
  return { keys, items: values.flat(), ends: endsOf(values) };
}

/** A `storeListLookup` table, read in place: a key's list is made when it is looked up. */
export class PackedListLookup extends PackedTable<number[]> {
  constructor(private readonly stored: StoredListLookup) {
    super(stored.keys, stored.ends.length);
    if (lastEnd(stored.ends) !== stored.items.length)
      throw new Error('packed lookup: the keys do not match their lists; rebuild with `npm run build`');
  }

  protected valueAt(at: number): number[] {
    const { items, ends } = this.stored;
    // A plain array, whether the items are one (JSON) or a Uint32Array (a library's header).
    return Array.prototype.slice.call(items, startOf(ends, at), ends[at]) as number[];
  }
}
