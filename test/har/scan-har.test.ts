import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { observeHar } from '../../src/har/observe-har.ts';
import { readHar } from '../../src/har/read-har.ts';
import { scanHar } from '../../src/har/scan-har.ts';
import { ROOT } from '../support/server.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const options = { limits: { maxEntries: 100 }, maxDepth: 64, wrapped: true };
const scan = (text: string, overrides: Partial<typeof options> = {}) =>
  scanHar(encode(text), { ...options, ...overrides });

function entry(status: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    startedDateTime: '2026-03-08T14:00:00.000Z',
    request: {
      method: 'GET',
      url: 'https://api.example.com/v1/orders',
      headers: [{ name: 'Authorization', value: 'Bearer abc' }],
    },
    response: {
      status,
      statusText: '',
      headers: [],
      content: {
        mimeType: 'application/json',
        text: status >= 400 ? '{"error":"invalid_token"}' : '{"orders":[1,2,3]}',
      },
    },
    ...extra,
  };
}
const capture = (entries: unknown[]): string =>
  JSON.stringify({ log: { version: '1.2', creator: { name: 'WebInspector' }, entries } });

describe('reading a capture entry by entry', () => {
  for (const fixture of ['chromium-devtools.har', 'chromium-playwright.har', 'firefox.har']) {
    it(`sees in ${fixture} exactly what parsing it whole sees`, async () => {
      const bytes = new Uint8Array(await readFile(join(ROOT, 'test', 'fixtures', 'har', fixture)));
      const scanned = scanHar(bytes, { limits: { maxEntries: 100_000 }, maxDepth: 64 });
      assert.ok(scanned, 'the scanner declined a real capture');
      const whole = readHar(JSON.parse(new TextDecoder().decode(bytes)));
      assert.equal(scanned.har.entries.length, whole.entries.length);
      assert.equal(scanned.har.creator, whole.creator);
      assert.equal(scanned.har.credentialsSeen, whole.credentialsSeen);
      assert.deepEqual(observeHar(scanned.har), observeHar(whole));
    });
  }

  it('keeps the bodies diagnosis reads and drops the rest', () => {
    const token = entry(200, {
      request: {
        method: 'POST',
        url: 'https://auth.example.com/oauth/token',
        headers: [],
        postData: { mimeType: 'application/x-www-form-urlencoded', text: 'grant_type=client_credentials' },
      },
    });
    const upload = entry(200, {
      request: {
        method: 'POST',
        url: 'https://api.example.com/v1/files',
        headers: [],
        postData: { mimeType: 'text/plain', text: 'x'.repeat(1000) },
      },
    });
    const { har } = scan(capture([entry(200), entry(401), token, upload]))!;
    assert.equal(har.entries[0]!.response.content.text, undefined);
    assert.equal(har.entries[1]!.response.content.text, '{"error":"invalid_token"}');
    assert.equal(har.entries[2]!.request.postData?.text, 'grant_type=client_credentials');
    assert.equal(har.entries[3]!.request.postData, undefined);
  });

  it('decodes a response body only for a failing exchange; a broken byte in a body it never reads does not matter', () => {
    // `\q` is not a JSON escape: a parser that reads the body refuses the document.
    const broken = (status: number) =>
      capture([entry(status)])
        .replace('[1,2,3]', '[1,\\q]')
        .replace('invalid_token', '\\q');
    assert.equal(scan(broken(200))?.har.entries.length, 1);
    // In a failing exchange the body is read, so the whole-document reader must explain it.
    assert.equal(scan(broken(401)), null);
  });

  it('drops member names that reach for the prototype', () => {
    const text = capture([entry(401)]).replace(
      '"startedDateTime"',
      '"__proto__":{"polluted":true},"constructor":{"x":1},"startedDateTime"',
    );
    const { har } = scan(text)!;
    assert.equal(har.entries.length, 1);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    // A request found only behind `__proto__` is not the entry's request.
    const smuggled = capture([{ response: { status: 401 } }]).replace(
      '{"response"',
      '{"__proto__":{"request":{"method":"GET","url":"https://evil.example/"}},"response"',
    );
    assert.throws(
      () => scan(smuggled),
      (error: unknown) => error instanceof InputError && /log\.entries\[0\]\.request is missing/.test(error.message),
    );
  });

  it('reads pretty-printed captures, escaped quotes and backslashes, and text beyond ASCII', () => {
    const tricky = entry(401, {
      response: {
        status: 401,
        headers: [],
        content: { mimeType: 'text/plain', text: 'quote " backslash \\ \\" end } ] { [ — ünïcödé 🔑' },
      },
    });
    const { har } = scan(
      JSON.stringify({ log: { creator: { name: 'Firefox' }, entries: [tricky, entry(200)] } }, null, 2),
    )!;
    assert.equal(har.creator, 'Firefox');
    assert.equal(har.entries.length, 2);
    assert.equal(har.entries[0]!.response.content.text, 'quote " backslash \\ \\" end } ] { [ — ünïcödé 🔑');
  });

  it('finds where every string ends, whatever runs of quotes and backslashes it holds and wherever they fall', () => {
    let seed = 11;
    const random = (): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = ['"', '\\', '\\"', '\\\\', 'a', 'é', '{', ']', ' ', 'x'.repeat(70), '🔑'];
    const bodies = Array.from({ length: 200 }, () =>
      Array.from({ length: Math.floor(random() * 60) }, () => pieces[Math.floor(random() * pieces.length)]!).join(''),
    );
    const entries = bodies.map((body) =>
      entry(500, {
        response: {
          status: 500,
          headers: [{ name: 'X-Note', value: body }],
          content: { mimeType: 'text/plain', text: body },
        },
      }),
    );
    const { har } = scan(capture(entries), { limits: { maxEntries: 1000 } })!;
    assert.deepEqual(
      har.entries.map((read) => read.response.content.text),
      bodies,
    );
    assert.deepEqual(
      har.entries.map((read) => read.response.headers[0]!.value),
      bodies,
    );
  });

  it('reads a diagnose request that carries a capture and a note', () => {
    const scanned = scan(JSON.stringify({ text: 'started after the deploy', har: JSON.parse(capture([entry(401)])) }));
    assert.equal(scanned?.text, 'started after the deploy');
    assert.equal(scanned?.har.entries.length, 1);
    // A file, or a paste, must be the capture itself.
    assert.equal(scan(JSON.stringify({ har: JSON.parse(capture([entry(401)])) }), { wrapped: false }), null);
  });

  it('declines what it cannot vouch for, so the ordinary reader can explain it', () => {
    const good = capture([entry(401)]);
    for (const [what, text] of <Array<[string, string]>>[
      ['malformed JSON', good.replace('"status":401', '"status":401,')],
      ['a missing comma', good.replace('},"response"', '}"response"')],
      ['trailing text', `${good} {}`],
      ['another shape', JSON.stringify({ hello: 'world' })],
      ['a capture without entries', JSON.stringify({ log: { version: '1.2' } })],
      ['a duplicate key', `{"log":{"entries":[]},"log":{"entries":[]}}`],
      ['a request with an error beside the capture', JSON.stringify({ har: JSON.parse(good), error: { status: 401 } })],
      ['a capture with a note of its own', JSON.stringify({ log: JSON.parse(good).log, text: 'x' })],
      ['an unterminated string', good.slice(0, 40)],
    ]) {
      assert.equal(scan(text), null, what);
    }
  });

  it('names the entry and field that is not HAR, as parsing it whole does', () => {
    const broken = capture([entry(200), { request: { method: 'GET', url: 42 }, response: { status: 200 } }]);
    assert.throws(
      () => scan(broken),
      (error: unknown) =>
        error instanceof InputError && /log\.entries\[1\]\.request\.url must be a string/.test(error.message),
    );
  });

  it('holds captures to the entry limit at its edge', () => {
    const entries = Array.from({ length: 5 }, () => entry(200));
    assert.equal(scan(capture(entries), { limits: { maxEntries: 5 } })?.har.entries.length, 5);
    assert.throws(
      () => scan(capture([...entries, entry(200), entry(200)]), { limits: { maxEntries: 5 } }),
      (error: unknown) =>
        error instanceof InputError && /has 7 entries, more than the 5 allowed \(MAX_HAR_ENTRIES\)/.test(error.message),
    );
  });

  it('holds nesting to the depth limit at its edge, inside entries too', () => {
    // Root, log, entries and the entry nest 4 deep; `_deep` adds its own levels (6 reach 10).
    const nested = (levels: number) =>
      capture([entry(200, { _deep: JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) })]);
    assert.ok(scan(nested(6), { maxDepth: 10 }));
    assert.throws(
      () => scan(nested(7), { maxDepth: 10 }),
      (error: unknown) => error instanceof InputError && /MAX_JSON_DEPTH/.test(error.message),
    );
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = encode(capture([entry(401)]));
    const at = new TextDecoder().decode(bytes).indexOf('invalid_token');
    bytes[at] = 0xff;
    assert.throws(
      () => scanHar(bytes, options),
      (error: unknown) => error instanceof InputError && error.code === 'invalid-encoding',
    );
  });
});
