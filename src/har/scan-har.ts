import { nestedTooDeep, notUtf8 } from '../errors.ts';
import { bodyMatters, withoutUnreadBodies } from './observe-har.ts';
import {
  carriesCredentials,
  creatorOf,
  type Har,
  type HarEntry,
  type HarLimits,
  readEntry,
  tooManyEntries,
} from './read-har.ts';

/** What `scanHar` read: the capture, and the note sent with it. */
export interface ScannedCapture {
  har: Har;
  /** The `text` beside `har` in a diagnose request. */
  text?: string;
}

export interface ScanOptions {
  limits: HarLimits;
  /** Deepest nesting allowed anywhere in the document (MAX_JSON_DEPTH). */
  maxDepth: number;
  /** Also accept a diagnose request carrying a capture (`{"har": …, "text": …}`), not only a capture itself. */
  wrapped?: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
/** Member names that could reach an object's prototype; dropped, as `parseJsonSafely` drops them. */
const DANGEROUS_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Bytes of a string read one by one before a native search for its end is worth its call. */
const STRING_WINDOW = 64;

/** The scanner found something it does not expect; the ordinary reader explains it. */
class NotScannable extends Error {}

/** How far into the bytes the opening member (`"log"` or `"har"`) is looked for before scanning at all. */
const OPENING_BYTES = 4096;

/**
 * Read a capture for diagnosis straight from its bytes, one entry at a time. Parsing a 100 MB
 * capture whole holds its text and a tree of all of it at once, several times the file; here
 * each entry is parsed on its own, validated (`readEntry`), stripped of the bodies diagnosis
 * never reads (`withoutUnreadBodies`) and its tree dropped, so memory holds the bytes and the
 * slim entries. Every byte is still checked: values by `JSON.parse`, the punctuation between
 * them by the scanner, nesting against the depth limit.
 *
 * Returns null when the bytes are not laid out as a capture (`{"log": …}`) or a diagnose request
 * carrying one (`{"har": {"log": …}, "text": "…"}`), or anything in them is malformed; the caller
 * then reads them the ordinary way, which says what is wrong and where.
 */
export function scanHar(bytes: Uint8Array, options: ScanOptions): ScannedCapture | null {
  // Anything else is turned away before a byte of it is parsed, so it is parsed once, by the caller.
  const opening = new TextDecoder().decode(bytes.subarray(0, OPENING_BYTES)).trimStart();
  if (!opening.startsWith('{') || !(options.wrapped ? /"(log|har)"\s*:/ : /"log"\s*:/).test(opening)) return null;
  try {
    return new Scanner(bytes, options).document();
  } catch (error) {
    if (error instanceof NotScannable) return null;
    throw error;
  }
}

class Scanner {
  private at = 0;
  /** Whether any entry so far carried a credential (a sanitized export carries none). */
  private credentialsSeen = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ScanOptions,
  ) {}

  document(): ScannedCapture {
    const seen = new Set<string>();
    let har: Har | undefined;
    let text: string | undefined;
    this.members(1, (key, depth) => {
      if (seen.has(key)) throw new NotScannable();
      seen.add(key);
      if (key === 'log') har = this.log(depth);
      else if (!this.options.wrapped) throw new NotScannable();
      else if (key === 'har') har = this.wrappedCapture(depth);
      else if (key === 'text') {
        const value = this.parsedValue(depth);
        if (typeof value !== 'string') throw new NotScannable();
        text = value;
      } else throw new NotScannable();
    });
    this.skipSpace();
    // Either a capture (`log`) or a request carrying one (`har`, with an optional `text`).
    if (this.at !== this.bytes.length || !har || (seen.has('log') && seen.size > 1)) throw new NotScannable();
    return text === undefined ? { har } : { har, text };
  }

  /** `{"log": …}` inside a diagnose request's `har` member. */
  private wrappedCapture(depth: number): Har {
    let har: Har | undefined;
    this.members(depth, (key, inner) => {
      if (key === 'log' && !har) har = this.log(inner);
      else this.parsedValue(inner);
    });
    if (!har) throw new NotScannable();
    return har;
  }

  private log(depth: number): Har {
    let creator = 'unknown';
    let entries: HarEntry[] | undefined;
    this.credentialsSeen = false;
    this.members(depth, (key, inner) => {
      if (key === 'entries' && !entries) {
        entries = [];
        this.elements(inner, (index) => {
          if (index >= this.options.limits.maxEntries)
            throw tooManyEntries(this.countRest(index, inner), this.options.limits);
          entries!.push(this.entry(index, inner + 1));
        });
      } else if (key === 'creator') creator = creatorOf(this.parsedValue(inner));
      else this.parsedValue(inner);
    });
    if (!entries) throw new NotScannable();
    return { creator, entries, credentialsSeen: this.credentialsSeen };
  }

  /**
   * One entry at the current position (at `depth`), validated, with only the bodies diagnosis
   * reads. A response body (`response.content.text`, most of a capture's bytes) is only located
   * at first, and decoded and parsed only if the exchange failed.
   */
  private entry(index: number, depth: number): HarEntry {
    if (this.bytes[this.at] !== OPEN_OBJECT) return readEntry(this.parsedValue(depth), index);
    let body: [number, number] | undefined;
    // `response.content.text` is located, not parsed; every other member is parsed as it is.
    const content = (key: string, inner: number, target: Record<string, unknown>): void => {
      if (key === 'text' && this.bytes[this.at] === QUOTE) {
        const start = this.at;
        this.at = this.stringEnd(start);
        body = [start, this.at];
        delete target[key];
      } else {
        if (key === 'text') body = undefined;
        target[key] = this.parsedValue(inner);
      }
    };
    const response = (key: string, inner: number, target: Record<string, unknown>): void => {
      if (key === 'content' && this.bytes[this.at] === OPEN_OBJECT) {
        body = undefined;
        target[key] = this.object(inner, content);
      } else target[key] = this.parsedValue(inner);
    };
    const raw = this.object(depth, (key, inner, target) => {
      if (key === 'response' && this.bytes[this.at] === OPEN_OBJECT) target[key] = this.object(inner, response);
      else target[key] = this.parsedValue(inner);
    });
    const entry = readEntry(raw, index);
    this.credentialsSeen ||= carriesCredentials(entry, raw);
    if (body && bodyMatters(entry)) entry.response.content.text = this.parse(body[0], body[1]) as string;
    return withoutUnreadBodies(entry);
  }

  /** The object (at `depth`) at the current position, built member by member; prototype-touching names are left out. */
  private object(
    depth: number,
    member: (key: string, depth: number, target: Record<string, unknown>) => void,
  ): Record<string, unknown> {
    const target: Record<string, unknown> = {};
    this.members(depth, (key, inner) => {
      if (DANGEROUS_KEYS.has(key)) this.parsedValue(inner);
      else member(key, inner, target);
    });
    return target;
  }

  /** How many entries the list (at `depth`) holds from the one at the current position on, counted without parsing. */
  private countRest(index: number, depth: number): number {
    let count = index;
    for (;;) {
      this.skipSpace();
      this.at = this.valueEnd(this.at, depth + 1);
      count += 1;
      this.skipSpace();
      if (this.bytes[this.at] !== COMMA) return count;
      this.at += 1;
    }
  }

  /** The members of the object (at `depth`) at the current position, key by key with their values' depth. */
  private members(depth: number, member: (key: string, depth: number) => void): void {
    this.checkDepth(depth);
    this.skipSpace();
    this.expect(OPEN_OBJECT);
    this.skipSpace();
    if (this.bytes[this.at] === CLOSE_OBJECT) {
      this.at += 1;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.bytes[this.at] !== QUOTE) throw new NotScannable();
      const keyEnd = this.stringEnd(this.at);
      const key = this.parse(this.at, keyEnd);
      this.at = keyEnd;
      this.skipSpace();
      this.expect(COLON);
      this.skipSpace();
      member(key as string, depth + 1);
      this.skipSpace();
      const next = this.bytes[this.at];
      this.at += 1;
      if (next === CLOSE_OBJECT) return;
      if (next !== COMMA) throw new NotScannable();
    }
  }

  /** The elements of the array (at `depth`) at the current position; `element` reads each one past its end. */
  private elements(depth: number, element: (index: number) => void): void {
    this.checkDepth(depth);
    this.skipSpace();
    this.expect(OPEN_ARRAY);
    this.skipSpace();
    if (this.bytes[this.at] === CLOSE_ARRAY) {
      this.at += 1;
      return;
    }
    for (let index = 0; ; index += 1) {
      this.skipSpace();
      element(index);
      this.skipSpace();
      const next = this.bytes[this.at];
      this.at += 1;
      if (next === CLOSE_ARRAY) return;
      if (next !== COMMA) throw new NotScannable();
    }
  }

  /** The value (at `depth`) at the current position, parsed, with the position moved past it. */
  private parsedValue(depth: number): unknown {
    const start = this.at;
    const end = this.valueEnd(start, depth);
    this.at = end;
    return this.parse(start, end);
  }

  private parse(start: number, end: number): unknown {
    let text: string;
    try {
      text = decoder.decode(this.bytes.subarray(start, end));
    } catch {
      throw notUtf8();
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new NotScannable();
    }
  }

  /**
   * Where the value starting at `start` ends: strings are crossed by `stringEnd`, brackets are
   * counted, and nesting is checked against the limit as it goes. `depth` is the value's own.
   */
  private valueEnd(start: number, depth: number): number {
    const bytes = this.bytes;
    const first = bytes[start];
    if (first === QUOTE) return this.stringEnd(start);
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
      // A number, true, false or null: up to the next delimiter; JSON.parse checks it.
      let end = start;
      while (end < bytes.length && !isDelimiter(bytes[end]!)) end += 1;
      if (end === start) throw new NotScannable();
      return end;
    }
    let level = 0;
    for (let at = start; at < bytes.length; at += 1) {
      const byte = bytes[at]!;
      if (byte === QUOTE) {
        at = this.stringEnd(at) - 1;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        level += 1;
        this.checkDepth(depth + level - 1);
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        level -= 1;
        if (level === 0) return at + 1;
      }
    }
    throw new NotScannable();
  }

  /**
   * Just past the closing quote of the string whose opening quote is at `start`. Strings are
   * read byte by byte a window at a time while that is cheaper (short names and values, JSON
   * bodies kept as strings, whose escaped quotes come every few bytes); a long stretch without
   * escapes (a script, base64) is crossed with a native search for the next quote.
   */
  private stringEnd(start: number): number {
    const bytes = this.bytes;
    const length = bytes.length;
    let at = start + 1;
    for (;;) {
      const stop = Math.min(length, at + STRING_WINDOW);
      let escapes = false;
      for (; at < stop; at += 1) {
        const byte = bytes[at]!;
        if (byte === QUOTE) return at + 1;
        if (byte === BACKSLASH) {
          at += 1;
          escapes = true;
        }
      }
      if (at >= length) throw new NotScannable();
      if (escapes) continue;
      const quote = bytes.indexOf(QUOTE, at);
      if (quote < 0) throw new NotScannable();
      // An escaped quote follows an odd number of backslashes, wherever their run began.
      let backslashes = 0;
      for (let back = quote - 1; bytes[back] === BACKSLASH; back -= 1) backslashes += 1;
      if (backslashes % 2 === 0) return quote + 1;
      at = quote + 1;
    }
  }

  private checkDepth(depth: number): void {
    if (depth > this.options.maxDepth) throw nestedTooDeep(this.options.maxDepth);
  }

  private skipSpace(): void {
    const bytes = this.bytes;
    let at = this.at;
    while (at < bytes.length) {
      const byte = bytes[at]!;
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
      at += 1;
    }
    this.at = at;
  }

  private expect(byte: number): void {
    if (this.bytes[this.at] !== byte) throw new NotScannable();
    this.at += 1;
  }
}

function isDelimiter(byte: number): boolean {
  return (
    byte === COMMA ||
    byte === CLOSE_OBJECT ||
    byte === CLOSE_ARRAY ||
    byte === 0x20 ||
    byte === 0x0a ||
    byte === 0x0d ||
    byte === 0x09
  );
}
