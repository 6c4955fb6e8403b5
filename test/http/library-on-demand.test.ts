import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import {
  ChunkedText,
  chunksOf,
  libraryFromParts,
  libraryParts,
  loadLibrary,
  serialiseLibrary,
} from '../../src/kb/library-data.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { PUBLIC_API_DIAGNOSIS, testEventStore } from '../support/event-store.ts';
import { ROOT } from '../support/server.ts';

const bytes = serialiseLibrary(buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date('2026-12-01')));

/** A library as a Worker's first request finds it: the parts in memory, the cold part still in its static assets. */
function onDemand() {
  const manifest = libraryParts(bytes, { chunkBytes: 8_192, inlineTextBytes: 0 });
  const fetched: string[] = [];
  const cold = new ChunkedText(manifest.text, async (name) => {
    fetched.push(name);
    const chunk = chunksOf(manifest.text).find((chunk) => chunk.name === name)!;
    const start = manifest.textStart + chunk.start;
    return bytes.slice(start, start + chunk.length);
  });
  const parts = manifest.parts.map((part) => bytes.slice(part.start, part.start + part.length));
  return { library: loadLibrary(libraryFromParts(manifest, parts), cold.read, cold.pending), fetched };
}

// The agents' insights look causes up by the ids events stored: a diagnosis that named one, and a
// report fixpath could not settle whose nearest cause is another (a gap, with a draft).
const store = testEventStore('on-demand');
const GAP = '0123456789abcdef';
store.record({
  ...PUBLIC_API_DIAGNOSIS,
  outcome: 'cause',
  cause: 'token-expired',
});
store.record({
  ...PUBLIC_API_DIAGNOSIS,
  outcome: 'abstained',
  nearest: 'clock-skew',
  signature: {
    id: GAP,
    key: '401|invalid_grant',
    status: 401,
    codes: ['invalid_grant'],
    exceptions: [],
    template: null,
  },
});

const json = (body: unknown) => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const REQUESTS: Array<[string, RequestInit?]> = [
  ['/healthz'],
  ['/'],
  ['/v1/articles'],
  ['/v1/articles/expired-access-token'],
  ['/articles/expired-access-token'],
  ['/v1/search?q=refresh%20token%20revoked'],
  ['/v1/suggest?q=prefl'],
  [
    '/v1/diagnose',
    json({ text: 'Every call returns 401 invalid_token, the access token expired an hour after login' }),
  ],
  [
    '/v1/chat',
    json({ messages: [{ role: 'user', content: 'the browser blocks our API call: CORS preflight failed' }] }),
  ],
  ['/v1/feedback', json({ helpful: true, cause: 'token-expired' })],
  ['/v1/insights/summary'],
  ['/v1/insights/gaps'],
  [`/v1/insights/gaps/${GAP}/draft`],
];
// What differs between two answers to the same request: its id and the tags of redacted values.
const masked = (text: string) => text.replace(/"(requestId|diagnosisId|id)":"[^"]*"/g, '"$1":""');

describe('a library read from static assets on demand', () => {
  it('answers every route, as the first request of a fresh isolate, as the whole library does', async () => {
    const insights = { store, excerpts: false };
    const whole = createApp({ library: () => loadLibrary(bytes), insights });
    for (const [path, init] of REQUESTS) {
      const { library, fetched } = onDemand();
      const response = await createApp({ library: () => library, insights }).request(path, init);
      const expected = await whole.request(path, init);
      const body = await response.text();
      assert.equal(response.status, expected.status, `${path}: ${body.slice(0, 300)}`);
      assert.ok(response.status < 500, path);
      assert.equal(masked(body), masked(await expected.text()), path);
      if (path === '/v1/diagnose') assert.ok(fetched.length > 0, 'the diagnosis read records from the cold part');
      if (path.startsWith('/v1/insights')) assert.match(body, /token-expired|clock-skew/, path);
    }
  });
});
