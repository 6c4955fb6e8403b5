import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { type Bytes, byteSearch } from '../../src/http/find-bytes.ts';
import { MAX_BOUNDARY_CHARS, parseMultipart } from '../../src/http/multipart.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const MIB = 1024 * 1024;
const DASH = 0x2d;
/** The boundary that costs a naive search the most on a body of dashes: 69 of its 72 bytes match everywhere. */
const DASHED_BOUNDARY = `${'-'.repeat(MAX_BOUNDARY_CHARS - 1)}x`;

/** A view of some bytes that counts every byte the search reads, native skips included. */
function countingBytes(bytes: Uint8Array): { bytes: Bytes; reads: () => number } {
  let reads = 0;
  const target = {
    length: bytes.length,
    indexOf(byte: number, from: number): number {
      const found = bytes.indexOf(byte, from);
      reads += (found < 0 ? bytes.length : found + 1) - from;
      return found;
    },
  };
  const view = new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        reads += 1;
        return bytes[Number(key)];
      }
      return Reflect.get(object, key);
    },
  });
  return { bytes: view as unknown as Bytes, reads: () => reads };
}

function form(boundary: string, parts: Array<{ headers: string; data: string | Uint8Array }>): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts)
    chunks.push(
      encode(`--${boundary}\r\n${part.headers}\r\n\r\n`),
      typeof part.data === 'string' ? encode(part.data) : part.data,
      encode('\r\n'),
    );
  chunks.push(encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

const refusedAs = (status: RegExp) => (error: unknown) =>
  error instanceof InputError && error.code === 'invalid-multipart' && status.test(error.message);

describe('byteSearch', () => {
  it('finds what a naive search finds, on overlapping and self-similar needles', () => {
    const naive = (haystack: Uint8Array, needle: Uint8Array, from: number): number => {
      for (let at = from; at + needle.length <= haystack.length; at += 1)
        if (needle.every((byte, index) => haystack[at + index] === byte)) return at;
      return -1;
    };
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 5000; round += 1) {
      // Two-letter alphabets make partial matches and fallbacks frequent.
      const haystack = Uint8Array.from({ length: Math.floor(random() * 40) }, () => (random() < 0.7 ? DASH : 0x61));
      const needle = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => (random() < 0.7 ? DASH : 0x61));
      const from = Math.floor(random() * 5);
      assert.equal(
        byteSearch(needle)(haystack, from),
        naive(haystack, needle, from),
        `${new TextDecoder().decode(needle)} in ${new TextDecoder().decode(haystack)} from ${from}`,
      );
    }
  });

  it('reads each byte of 1 MiB of dashes at most twice looking for a 72-byte delimiter (a naive search reads each ~70 times)', () => {
    const haystack = countingBytes(new Uint8Array(MIB).fill(DASH));
    assert.equal(byteSearch(encode(`--${DASHED_BOUNDARY}`))(haystack.bytes, 0), -1);
    assert.ok(haystack.reads() <= 2 * MIB, `${haystack.reads()} reads for ${MIB} bytes`);
  });

  it('reads each byte at most twice on bytes that keep restarting the match', () => {
    // "--" then the boundary's own prefix, broken just before the end, over and over.
    const needle = encode(`--${DASHED_BOUNDARY}`);
    const pattern = encode(`--${DASHED_BOUNDARY.slice(0, -1)}y-`);
    const bytes = new Uint8Array(MIB);
    for (let offset = 0; offset < MIB; offset += pattern.length)
      bytes.set(pattern.subarray(0, Math.min(pattern.length, MIB - offset)), offset);
    const haystack = countingBytes(bytes);
    assert.equal(byteSearch(needle)(haystack.bytes, 0), -1);
    assert.ok(haystack.reads() <= 2 * MIB, `${haystack.reads()} reads for ${MIB} bytes`);
  });
});

describe('parseMultipart', () => {
  it('splits a form into its named parts, pointing into the body', () => {
    const body = form('XyZ', [
      { headers: 'Content-Disposition: form-data; name="text"', data: 'it fails on the reports page' },
      {
        headers:
          'Content-Disposition: form-data; name="file"; filename="capture.har"\r\nContent-Type: application/json',
        data: '{"log":{}}',
      },
    ]);
    const parts = parseMultipart(body, 'multipart/form-data; boundary=XyZ');
    assert.deepEqual(
      parts.map((part) => ({ ...part, data: new TextDecoder().decode(part.data) })),
      [
        { name: 'text', data: 'it fails on the reports page' },
        { name: 'file', filename: 'capture.har', contentType: 'application/json', data: '{"log":{}}' },
      ],
    );
    assert.equal(parts[1]!.data.buffer, body.buffer, 'a view, not a copy');
  });

  it('reads a quoted boundary', () => {
    const body = form('a b:c', [{ headers: 'Content-Disposition: form-data; name="text"', data: 'x' }]);
    assert.equal(parseMultipart(body, 'multipart/form-data; boundary="a b:c"; charset=utf-8')[0]?.name, 'text');
  });

  it(`accepts a boundary of ${MAX_BOUNDARY_CHARS} characters and refuses ${MAX_BOUNDARY_CHARS + 1} with a 400 problem`, () => {
    const longest = 'b'.repeat(MAX_BOUNDARY_CHARS);
    assert.equal(
      parseMultipart(
        form(longest, [{ headers: 'Content-Disposition: form-data; name="text"', data: 'x' }]),
        `multipart/form-data; boundary=${longest}`,
      ).length,
      1,
    );
    const tooLong = 'b'.repeat(MAX_BOUNDARY_CHARS + 1);
    assert.throws(
      () => parseMultipart(form(tooLong, []), `multipart/form-data; boundary=${tooLong}`),
      refusedAs(/71 characters; it must be 1–70 characters \(RFC 2046\)/),
    );
    assert.throws(
      () => parseMultipart(form('b', []), 'multipart/form-data; boundary=""'),
      refusedAs(/0 characters; it must be 1–70/),
    );
    assert.throws(() => parseMultipart(form('b', []), 'multipart/form-data'), refusedAs(/no boundary/));
  });

  it('refuses 8 MiB of dashes under a dashed 70-character boundary in time linear in the body', () => {
    const body = new Uint8Array(8 * MIB).fill(DASH);
    const started = performance.now();
    assert.throws(
      () => parseMultipart(body, `multipart/form-data; boundary=${DASHED_BOUNDARY}`),
      refusedAs(/does not contain its boundary/),
    );
    // The naive search took 1.1-1.6 s here; the linear one takes tens of milliseconds.
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `${Math.round(elapsed)} ms`);
  });

  it('parses part headers of 8 MiB built to make a backtracking pattern stumble, in linear time', () => {
    const unclosed = `Content-Disposition: form-data; name="${'a'.repeat(8 * MIB)}`;
    const spaced = `Content-Type:${' \r\n'.repeat(3 * MIB)}`;
    const started = performance.now();
    const parts = parseMultipart(
      form('B', [
        { headers: `Content-Disposition: form-data; name="text"\r\n${spaced}`, data: 'x' },
        { headers: unclosed, data: 'y' },
      ]),
      'multipart/form-data; boundary=B',
    );
    const elapsed = performance.now() - started;
    assert.equal(parts.length, 1, 'a part whose name never closes has no name and is skipped');
    assert.ok(elapsed < 2000, `${Math.round(elapsed)} ms`);
  });
});
