/** What a byte search reads: a Uint8Array, or anything that reads like one (tests count reads). */
export interface Bytes {
  readonly length: number;
  readonly [index: number]: number | undefined;
  indexOf(byte: number, from: number): number;
}

/** Finds the first occurrence of the needle at or after `from`, or -1. */
export type ByteSearch = (haystack: Bytes, from?: number) => number;

/**
 * A search for one byte sequence that takes time linear in the haystack whatever its bytes
 * (Knuth–Morris–Pratt): the naive search re-reads up to the needle's length at each position,
 * which 8 MiB of "-" against a boundary of dashes turned into a second of blocked event loop.
 * Where nothing matches, the native single-byte search skips ahead at memchr speed; from a
 * candidate on, the automaton reads each byte once and falls back at most as often as it
 * advanced: at most three steps per byte of the haystack in all.
 */
export function byteSearch(needle: Uint8Array): ByteSearch {
  const length = needle.length;
  const first = needle[0]!;
  const fallback = prefixTable(needle);
  return (haystack, from = 0) => {
    const end = haystack.length;
    if (length === 0) return Math.min(from, end);
    let at = from;
    while (at < end) {
      at = haystack.indexOf(first, at);
      if (at < 0) return -1;
      let matched = 1;
      at += 1;
      while (matched > 0) {
        if (matched === length) return at - length;
        if (at >= end) return -1;
        const byte = haystack[at];
        while (matched > 0 && byte !== needle[matched]) matched = fallback[matched - 1]!;
        if (byte === needle[matched]) matched += 1;
        at += 1;
      }
    }
    return -1;
  };
}

/** For each prefix of the needle, the length of its longest proper prefix that is also its suffix. */
function prefixTable(needle: Uint8Array): Int32Array {
  const table = new Int32Array(needle.length);
  let matched = 0;
  for (let at = 1; at < needle.length; at += 1) {
    while (matched > 0 && needle[at] !== needle[matched]) matched = table[matched - 1]!;
    if (needle[at] === needle[matched]) matched += 1;
    table[at] = matched;
  }
  return table;
}
