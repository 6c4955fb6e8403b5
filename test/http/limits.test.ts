import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_LIMITS, type Limits, readLimits } from '../../src/config/limits.ts';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

const library = buildLibrary(await readArticleSources(`${ROOT}/articles`), new Date());
const limits: Limits = {
  ...DEFAULT_LIMITS,
  maxBodyBytes: 1000,
  maxTextChars: 500,
  maxJsonDepth: 5,
  maxQueryChars: 40,
  maxSearchResults: 3,
};
const app = createApp({ library: () => library, limits });
const diagnose = (body: string, type = 'text/plain') =>
  app.request('/v1/diagnose', { method: 'POST', headers: { 'content-type': type }, body });

describe('every limit, at its edge', () => {
  it('MAX_BODY_BYTES: accepts exactly the limit, refuses one byte more', async () => {
    const json = (size: number) => {
      const body = '{"text":"token expired"}';
      return `${body}${' '.repeat(size - body.length)}`;
    };
    assert.equal(json(1000).length, 1000);
    assert.equal((await diagnose(json(1000), 'application/json')).status, 200);
    const over = await diagnose(json(1001), 'application/json');
    assert.equal(over.status, 413);
    assert.match(((await over.json()) as { detail: string }).detail, /1000 bytes limit \(MAX_BODY_BYTES\)/);
  });

  it('MAX_TEXT_CHARS: accepts exactly the limit, refuses one character more', async () => {
    assert.equal((await diagnose(`401 ${'y'.repeat(496)}`)).status, 200);
    const over = await diagnose(`401 ${'y'.repeat(497)}`);
    assert.equal(over.status, 413);
    assert.match(
      ((await over.json()) as { detail: string }).detail,
      /501 characters, more than the 500 allowed \(MAX_TEXT_CHARS\)/,
    );
  });

  it('MAX_JSON_DEPTH: accepts the deepest allowed nesting, refuses one level more', async () => {
    const nested = (depth: number) =>
      `{"error":{"status":401,"body":${'['.repeat(depth - 2)}1${']'.repeat(depth - 2)}}}`;
    assert.equal((await diagnose(nested(5), 'application/json')).status, 200);
    const over = await diagnose(nested(6), 'application/json');
    assert.equal(over.status, 422);
    assert.match(
      ((await over.json()) as { detail: string }).detail,
      /nested 6 levels deep, more than the 5 allowed \(MAX_JSON_DEPTH\)/,
    );
  });

  it('MAX_QUERY_CHARS: accepts the longest query, refuses a longer one', async () => {
    assert.equal((await app.request(`/v1/search?q=${'a'.repeat(40)}`)).status, 200);
    assert.equal((await app.request(`/v1/search?q=${'a'.repeat(41)}`)).status, 422);
    assert.equal((await app.request(`/v1/suggest?q=${'a'.repeat(41)}`)).status, 422);
  });

  it('MAX_SEARCH_RESULTS: caps what a search may ask for', async () => {
    const body = (await (await app.request('/v1/search?q=token&limit=1000')).json()) as {
      hits: unknown[];
      total: number;
    };
    assert.equal(body.hits.length, 3);
    assert.ok(body.total > 3);
    assert.equal((await app.request('/v1/search?q=token&limit=0')).status, 422);
    assert.equal((await app.request('/v1/search?q=token&limit=abc')).status, 422);
    const twice = await app.request('/v1/search?q=token&q=expired');
    assert.equal(twice.status, 422);
    assert.match(
      ((await twice.json()) as { detail: string }).detail,
      /\/q: expected one string, got several: give it once/,
    );
  });

  it('refuses prototype-polluting keys without effect', async () => {
    const response = await diagnose('{"text":"jwt expired","__proto__":{"polluted":true}}', 'application/json');
    assert.equal(response.status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('readLimits', () => {
  it('reads each variable and rejects bad values with the variable name', () => {
    assert.deepEqual(readLimits({}), DEFAULT_LIMITS);
    assert.equal(readLimits({ MAX_BODY_BYTES: '4096' }).maxBodyBytes, 4096);
    assert.equal(readLimits({ RESPONSE_CACHE_ENTRIES: '0' }).responseCacheEntries, 0);
    // The Worker's budget for the library chunks it keeps: whole or fractional MiB, never none.
    assert.equal(readLimits({ LIBRARY_CACHE_MB: '1' }).libraryCacheBytes, 1_048_576);
    assert.equal(readLimits({ LIBRARY_CACHE_MB: '0.5' }).libraryCacheBytes, 524_288);
    assert.throws(
      () => readLimits({ LIBRARY_CACHE_MB: '0' }),
      (error: unknown) => error instanceof ConfigError && /LIBRARY_CACHE_MB/.test(error.message),
    );
    assert.throws(
      () => readLimits({ MAX_TEXT_CHARS: 'lots' }),
      (error: unknown) => error instanceof ConfigError && /MAX_TEXT_CHARS/.test(error.message),
    );
    assert.throws(() => readLimits({ MAX_JSON_DEPTH: '0' }), ConfigError);
  });

  it('MAX_UPLOAD_MB means exactly that many MiB, fractions included', () => {
    assert.equal(readLimits({ MAX_UPLOAD_MB: '1' }).maxUploadBytes, 1_048_576);
    assert.equal(readLimits({ MAX_UPLOAD_MB: '0.5' }).maxUploadBytes, 524_288);
    assert.equal(readLimits({ MAX_UPLOAD_MB: '250' }).maxUploadBytes, 250 * 1_048_576);
    for (const bad of ['0', '-1', 'lots', 'Infinity', '0.0000001']) {
      assert.throws(
        () => readLimits({ MAX_UPLOAD_MB: bad }),
        (error: unknown) =>
          error instanceof ConfigError && /^MAX_UPLOAD_MB must be a number of MiB/.test(error.message),
        bad,
      );
    }
  });
});

describe('MAX_UPLOAD_MB below MAX_BODY_BYTES', () => {
  it('still holds a capture to MAX_UPLOAD_MB: exactly the limit is accepted, one byte more refused', async () => {
    const small = createApp({
      library: () => library,
      limits: {
        ...DEFAULT_LIMITS,
        maxBodyBytes: 2 * 1024 * 1024,
        maxTextChars: 2 * 1024 * 1024,
        maxUploadBytes: 1024 * 1024,
      },
    });
    const capture = (bytes: number) => {
      const base = JSON.stringify({
        log: {
          entries: [
            { request: { method: 'GET', url: 'https://a.example/' }, response: { status: 401, content: { text: '' } } },
          ],
        },
      });
      return base.replace('"text":""', `"text":"${'x'.repeat(bytes - base.length)}"`);
    };
    const post = (body: string) =>
      small.request('/v1/diagnose', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post(capture(1024 * 1024))).status, 200);
    const over = await post(capture(1024 * 1024 + 1));
    assert.equal(over.status, 413);
    assert.match(((await over.json()) as { detail: string }).detail, /1 MiB limit \(MAX_UPLOAD_MB\)/);
    assert.equal(
      (await post(JSON.stringify({ text: `401 ${'y'.repeat(1.5 * 1024 * 1024)}` }))).status,
      200,
      'a paste may still use MAX_BODY_BYTES',
    );
  });
});

describe('the response cache', () => {
  it('answers a repeated paste identically, and does not cache answers that depend on the clock', async () => {
    let ticks = 0;
    const clocked = createApp({ library: () => library, now: () => new Date(Date.UTC(2026, 0, 1) + 60_000 * ++ticks) });
    const first = await (
      await clocked.request('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'TokenExpiredError: jwt expired',
      })
    ).text();
    const second = await (
      await clocked.request('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'TokenExpiredError: jwt expired',
      })
    ).text();
    assert.equal(first, second);
    const token = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ exp: Date.UTC(2026, 0, 1) / 1000 })).toString('base64url')}.c2ln`;
    const a = (await (
      await clocked.request('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `401 with ${token}`,
      })
    ).json()) as { causes: Array<{ evidence: Array<{ detail: string }> }> };
    const b = (await (
      await clocked.request('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `401 with ${token}`,
      })
    ).json()) as { causes: Array<{ evidence: Array<{ detail: string }> }> };
    const expiry = (result: typeof a) =>
      result.causes.flatMap((cause) => cause.evidence).find((evidence) => /token expired/.test(evidence.detail))
        ?.detail;
    assert.ok(expiry(a) && expiry(b));
    assert.notEqual(expiry(a), expiry(b), 'each answer measured against its own now');
  });
});

describe('deep JSON in a large capture', () => {
  it('is measured on the parsed tree and refused before anything recursive reads it', async () => {
    const big = createApp({ library: () => library, limits: { ...DEFAULT_LIMITS, maxJsonDepth: 64 } });
    const nesting = 600_000;
    const body = `{"log":{"entries":[{"request":{"url":"https://a.example/"},"response":{"status":401,"content":{"text":"x"}},"_deep":${'['.repeat(nesting)}${']'.repeat(nesting)}}]}}`;
    assert.ok(body.length > 1024 * 1024);
    const response = await big.request('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(response.status, 422);
    assert.match(
      ((await response.json()) as { detail: string }).detail,
      /nested more than the 64 levels allowed \(MAX_JSON_DEPTH\)/,
    );
  });
});
