/**
 * Values stored as JSON one after another, each read on its own when asked for: a library of
 * thousands of articles loads without parsing them, and a request parses only the few it uses.
 * Two arrays hold a table: where each record ends (u32, after a leading 0) and the UTF-8 text.
 */
export interface StoredRecords {
  ends: Uint32Array;
  text: Uint8Array;
}

export function writeRecords(values: unknown[]): StoredRecords {
  const encoder = new TextEncoder();
  const parts = values.map((value) => encoder.encode(JSON.stringify(value)));
  const ends = new Uint32Array(parts.length + 1);
  parts.forEach((part, at) => {
    ends[at + 1] = ends[at]! + part.byteLength;
  });
  const text = new Uint8Array(ends[parts.length]!);
  parts.forEach((part, at) => {
    text.set(part, ends[at]!);
  });
  return { ends, text };
}

const decoder = new TextDecoder();

/** Why a Worker could not read its library's static assets: answered 503, tried again by the next request. */
export class LibraryUnavailable extends Error {}

/**
 * A record whose bytes are still in the static assets: what needs it is computed again once
 * they are fetched (see `withArticleText`). Answered 503 only if it escapes that.
 */
export class NotYetRead extends LibraryUnavailable {
  constructor() {
    super('part of the knowledge base is still being read');
  }
}

/**
 * `read` of each item, every one tried before `NotYetRead` is thrown for any still to be
 * fetched: what a list of answers reads (the causes named, the hits of a search) is then
 * fetched in one round, not one round per item.
 */
export function readEach<T, R>(items: readonly T[], read: (item: T, at: number) => R): R[] {
  const results: R[] = [];
  let missing = false;
  items.forEach((item, at) => {
    try {
      results.push(read(item, at));
    } catch (error) {
      if (!(error instanceof NotYetRead)) throw error;
      missing = true;
    }
  });
  if (missing) throw new NotYetRead();
  return results;
}

/**
 * Where a table's record text lies: in memory, or read in ranges from where it is kept (a
 * Worker's static assets), undefined while a range is still to be fetched.
 */
export type RecordText =
  | Uint8Array
  | {
      size: number;
      read: (from: number, to: number) => Uint8Array | undefined;
      /** Whether a range is here (noting it for fetching when not), without reading it. */
      has?: (from: number, to: number) => boolean;
    };

export class RecordTable<T> {
  readonly length: number;
  private readonly ends: Uint32Array;
  private readonly read: (from: number, to: number) => Uint8Array | undefined;
  private readonly hasRange: (from: number, to: number) => boolean;

  constructor(records: { ends: Uint32Array; text: RecordText }) {
    const { ends, text } = records;
    this.ends = ends;
    this.length = Math.max(0, ends.length - 1);
    const size = text instanceof Uint8Array ? text.byteLength : text.size;
    if (ends[this.length]! > size)
      throw new Error('library data: a record table is cut short; run `npm run build` again');
    this.read = text instanceof Uint8Array ? (from, to) => text.subarray(from, to) : text.read;
    const read = this.read;
    this.hasRange =
      text instanceof Uint8Array ? () => true : (text.has ?? ((from, to) => read(from, to) !== undefined));
  }

  /**
   * The record at `at`, parsed anew on every call: callers keep what they reuse. Throws
   * `NotYetRead` when its bytes are still to be fetched (they are noted for fetching).
   */
  get(at: number): T {
    if (!(at >= 0 && at < this.length)) throw new RangeError(`record ${at} of ${this.length}`);
    const bytes = this.read(this.ends[at]!, this.ends[at + 1]!);
    if (!bytes) throw new NotYetRead();
    return JSON.parse(decoder.decode(bytes)) as T;
  }

  /** Whether the record at `at` can be read now; when not, its bytes are noted for fetching. */
  has(at: number): boolean {
    return this.hasRange(this.ends[at]!, this.ends[at + 1]!);
  }
}

/**
 * An array whose items are made when first read: `make(at)` runs once per position. It behaves
 * as an array for reading (indexing, length, iteration, map, filter and the rest), so code that
 * walks every article still can, and pays for it only when it does.
 *
 * `readable(at)`, when given, says whether item `at` can be made now (noting what it needs when
 * not: see `NotYetRead`). A walk (any use but indexing and `length`) first makes every item that
 * can be made and throws `NotYetRead` if any cannot, so that one fetch brings all a walk needs
 * rather than one round per item; what was made stays made, so rounds always progress.
 */
export function lazyArray<T>(length: number, make: (at: number) => T, readable?: (at: number) => boolean): T[] {
  const items = new Array<T>(length);
  const made = new Uint8Array(length);
  let madeCount = 0;
  const position = (key: string | symbol): number => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 10) return -1;
    const at = Number(key);
    return Number.isInteger(at) && at >= 0 && at < length && String(at) === key ? at : -1;
  };
  const item = (at: number): T => {
    if (made[at] === 0) {
      items[at] = make(at);
      made[at] = 1;
      madeCount += 1;
    }
    return items[at]!;
  };
  const walk = (): void => {
    if (!readable || madeCount === length) return;
    let missing = false;
    for (let at = 0; at < length; at += 1) {
      if (made[at] === 1) continue;
      if (readable(at)) item(at);
      else missing = true;
    }
    if (missing) throw new NotYetRead();
  };
  return new Proxy(items, {
    get(target, key, receiver) {
      const at = position(key);
      if (at >= 0) return item(at);
      if (key !== 'length') walk();
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      return position(key) >= 0 || Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      const at = position(key);
      if (at < 0) return Reflect.getOwnPropertyDescriptor(target, key);
      return { value: item(at), writable: false, enumerable: true, configurable: true };
    },
    ownKeys(target) {
      walk();
      return [
        ...Array.from({ length }, (_, at) => String(at)),
        ...Reflect.ownKeys(target).filter((key) => position(key) < 0),
      ];
    },
    set() {
      return false;
    },
    deleteProperty() {
      return false;
    },
  });
}

/** A read-only map over positions: `get` makes the value at a key's position through `item`. */
export class LazyMap<V> implements ReadonlyMap<string, V> {
  /** `positions` may be a function making them, called on first use. */
  constructor(
    private positionsOf: ReadonlyMap<string, number> | (() => ReadonlyMap<string, number>),
    private readonly item: (at: number) => V,
  ) {}

  private get positions(): ReadonlyMap<string, number> {
    if (typeof this.positionsOf === 'function') this.positionsOf = this.positionsOf();
    return this.positionsOf;
  }

  get size(): number {
    return this.positions.size;
  }

  get(key: string): V | undefined {
    const at = this.positions.get(key);
    return at === undefined ? undefined : this.item(at);
  }

  has(key: string): boolean {
    return this.positions.has(key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const [key, at] of this.positions) yield [key, this.item(at)];
  }

  keys(): MapIterator<string> {
    return this.positions.keys();
  }

  *values(): MapIterator<V> {
    for (const at of this.positions.values()) yield this.item(at);
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}
