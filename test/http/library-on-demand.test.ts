import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import {
  ChunkedText,
  libraryFromParts,
  libraryParts,
  loadLibrary,
  serialiseLibrary,
} from '../../src/kb/library-data.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

const bytes = serialiseLibrary(buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date('2026-12-01')));

/** A library as a Worker's first request finds it: the parts in memory, the cold part still in its static assets. */
function onDemand() {
  const manifest = libraryParts(bytes, 24 * 1024 * 1024, 8_192, 0);
  const fetched: string[] = [];
  const cold = new ChunkedText(manifest.text, async (name) => {
    fetched.push(name);
    const at = manifest.text.chunks.findIndex((chunk) => chunk.name === name);
    const start = manifest.textStart + at * manifest.text.chunkBytes;
    return bytes.slice(start, start + manifest.text.chunks[at]!.length);
  });
  const parts = manifest.parts.map((part) => bytes.slice(part.start, part.start + part.length));
  return { library: loadLibrary(libraryFromParts(manifest, parts), cold.read, cold.pending), fetched };
}

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
];
// What differs between two answers to the same request: its id and the tags of redacted values.
const masked = (text: string) => text.replace(/"(requestId|diagnosisId|id)":"[^"]*"/g, '"$1":""');

describe('a library read from static assets on demand', () => {
  it('answers every route, as the first request of a fresh isolate, as the whole library does', async () => {
    const whole = createApp({ library: () => loadLibrary(bytes) });
    for (const [path, init] of REQUESTS) {
      const { library, fetched } = onDemand();
      const response = await createApp({ library: () => library }).request(path, init);
      const expected = await whole.request(path, init);
      const body = await response.text();
      assert.equal(response.status, expected.status, `${path}: ${body.slice(0, 300)}`);
      assert.ok(response.status < 500, path);
      assert.equal(masked(body), masked(await expected.text()), path);
      if (path === '/v1/diagnose') assert.ok(fetched.length > 0, 'the diagnosis read records from the cold part');
    }
  });
});
