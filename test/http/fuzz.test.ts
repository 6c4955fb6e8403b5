import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { type FuzzRequest, fuzzRequests } from '../support/fuzz-requests.ts';
import { ROOT, type RunningServer, startServer } from '../support/server.ts';
import { uniqueRequestId, waitForRequestLine } from '../support/server-log.ts';

/**
 * No input answers 500: seeded hostile requests over every route (see fuzz-requests.ts), in
 * process and against the real server. `npm run fuzz` runs the same generator for longer.
 */

const library = buildLibrary(await readArticleSources(`${ROOT}/articles`), new Date());
const unexpected: unknown[] = [];
const app = createApp({
  library: () => library,
  limits: DEFAULT_LIMITS,
  onUnexpectedError: (error) => unexpected.push(error),
});

const SEED = 20_261_202;
const IN_PROCESS = 3000;
const OVER_HTTP = 300;

/** Known shapes that once answered 500. */
const KNOWN: FuzzRequest[] = [
  { method: 'GET', path: '/v1/search?q=constructor', headers: {} },
  { method: 'GET', path: '/v1/suggest?q=__proto__', headers: {} },
  { method: 'GET', path: '/v1/search?q=hasOwnProperty%20toString', headers: {} },
  {
    method: 'POST',
    path: '/v1/har/sanitize',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      log: {
        version: '1.2',
        creator: { name: 'x', version: '1' },
        entries: [
          {
            startedDateTime: '2026-03-08T14:20:00Z',
            request: {
              method: 'GET',
              url: 'https://a.example/?access_token=abc\uD800def#id_token=x\uDC00',
              headers: [],
            },
            response: { status: 401, headers: [] },
          },
        ],
      },
    }),
  },
  {
    method: 'POST',
    path: '/v1/diagnose',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: { status: 401, headers: { constructor: 'x', __proto__: 'y' }, body: { toString: 'x' } },
    }),
  },
  {
    method: 'POST',
    path: '/v1/diagnose',
    headers: { 'content-type': 'application/json' },
    body: '{"har":{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"2026-03-08T14:20:00Z","request":{"method":"GET","url":"https://a.example/","headers":[{"name":"X","value":{"toString":"x"}}]},"response":{"status":{"valueOf":"x"}}}]}}}',
  },
  {
    method: 'POST',
    path: '/v1/diagnose',
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b\r\nContent-Disposition: form-data; name="constructor"\r\n\r\n{"toString":1}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="x.har"\r\n\r\n{"log":{"entries":{"length":"x"}}}\r\n--b--\r\n',
  },
];

function check(request: FuzzRequest, status: number, contentType: string | null): string | null {
  if (status >= 500)
    return `${request.method} ${request.path} answered ${status}: ${String(request.body ?? '').slice(0, 200)}`;
  if (status >= 400 && !contentType?.startsWith('application/problem+json'))
    return `${request.method} ${request.path} answered ${status} as ${contentType}`;
  return null;
}

describe('hostile input never answers 500', () => {
  it(`known shapes and ${IN_PROCESS} seeded requests over every route, in process`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const request of [...KNOWN, ...fuzzRequests(SEED, IN_PROCESS)]) {
      const response = await app.request(request.path, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const failure = check(request, response.status, response.headers.get('content-type'));
      if (failure) failures.push(failure);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(unexpected, []);
    // The generator reaches both answers and refusals, or it tests nothing.
    assert.ok(
      (statuses.get(200) ?? 0) > IN_PROCESS / 10 && [...statuses.keys()].some((status) => status >= 400),
      JSON.stringify([...statuses]),
    );
  });

  describe('against the real server', () => {
    let server: RunningServer;
    before(async () => {
      server = await startServer();
    });
    after(() => server.stop());

    it(`answers ${OVER_HTTP} seeded requests and the known shapes without a 500`, async () => {
      const failures: string[] = [];
      for (const request of [...KNOWN, ...fuzzRequests(SEED + 1, OVER_HTTP)]) {
        const response = await fetch(`${server.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
        });
        await response.arrayBuffer();
        const failure = check(request, response.status, response.headers.get('content-type'));
        if (failure) failures.push(failure);
      }
      assert.deepEqual(failures, []);
      // Once a later request's line is in the log, so is anything logged while answering the fuzz.
      const last = uniqueRequestId('fuzz-last');
      await (await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': last } })).arrayBuffer();
      await waitForRequestLine(server, last);
      assert.ok(!server.logs.some((line) => line.includes('"unexpected-error"')), 'no unexpected error was logged');
    });

    it('answers adversarial 128 KiB pastes within a second while /healthz keeps answering', async () => {
      // `a.a.a.…` once made the redactor's userinfo pattern take 8-12 s and stall every request.
      for (const unit of ['a.', 'a.a@', 'eyJ-', 'Bearer a', 'x-a: b\n', 'a=a&']) {
        const started = performance.now();
        const diagnosis = fetch(`${server.url}/v1/diagnose`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: unit.repeat(Math.ceil(131_072 / unit.length)).slice(0, 131_072),
        });
        await new Promise((done) => setTimeout(done, 10));
        const healthStarted = performance.now();
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
        const healthMs = performance.now() - healthStarted;
        const response = await diagnosis;
        await response.arrayBuffer();
        const totalMs = performance.now() - started;
        assert.equal(response.status, 200);
        assert.ok(
          totalMs < 1000 && healthMs < 1000,
          `${JSON.stringify(unit)}: diagnose ${totalMs.toFixed(0)} ms, /healthz ${healthMs.toFixed(0)} ms`,
        );
      }
    });
  });
});
