/** What a byte search reads: a Uint8Array, or anything that reads like one (tests count reads). */
export interface Bytes {
  readonly length: number;
  readonly [index: number]: number | undefined;
  indexOf(byte: number, from: number): number;
}

/** Finds the first occurrence of the needle at or after `from`, or -1. */
export type ByteSearch = (haystack: Bytes, from?: number) => number;

/**
 * A search for one byte sequence that takes time linear in the haystack whatever its bytes: the
 * naive search re-reads up to the needle's length at each position, which 8 MiB of "-" against
 * a boundary of dashes turned into a second of blocked event loop. Where nothing matches, the
 * native single-byte search skips ahead at memchr speed; from a candidate on, a matching
 * automaton (Knuth–Morris–Pratt's, as a table) takes exactly one step per byte.
 */
export function byteSearch(needle: Uint8Array): ByteSearch {
  const length = needle.length;
  if (length > MAX_NEEDLE_BYTES) throw new RangeError(`byteSearch needles are at most ${MAX_NEEDLE_BYTES} bytes`);
  const first = needle[0]!;
  const next = automaton(needle);
  return (haystack, from = 0) => {
    const end = haystack.length;
    if (length === 0) return Math.min(from, end);
    let at = from;
    while (at < end) {
      at = haystack.indexOf(first, at);
      if (at < 0) return -1;
      let state = 1;
      at += 1;
      while (state !== 0) {
        if (state === length) return at - length;
        if (at >= end) return -1;
        state = next[state * 256 + haystack[at]!]!;
        at += 1;
      }
    }
    return -1;
  };
}

/** States are kept in 16 bits; delimiters are tens of bytes. */
const MAX_NEEDLE_BYTES = 65_535;

/**
 * For each state (bytes of the needle matched so far, short of all of them) and each byte, the
 * state after reading that byte: 256 entries per needle byte.
 */
function automaton(needle: Uint8Array): Uint16Array {
  const next = new Uint16Array(Math.max(needle.length, 1) * 256);
  if (needle.length === 0) return next;
  next[needle[0]!] = 1;
  // `fallback` is the state the automaton would be in had the match begun one byte later.
  for (let state = 1, fallback = 0; state < needle.length; state += 1) {
    next.copyWithin(state * 256, fallback * 256, fallback * 256 + 256);
    next[state * 256 + needle[state]!] = state + 1;
    fallback = next[fallback * 256 + needle[state]!]!;
  }
  return next;
}
