import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKeyOf } from '../../src/worker/edge-cache.ts';

const options = { version: '2026-12-02T06:00:00.000Z', maxAgeSeconds: 300 };
const key = (url: string, init: RequestInit = {}) => cacheKeyOf(new Request(url, init), options)?.url ?? null;

describe('what the Worker keeps in the Cache API', () => {
  it('keeps public reads of search, suggestions and articles, keyed by query, library build and origin', () => {
    const a = key('https://help.example.com/v1/search?q=token&limit=3');
    assert.equal(
      a,
      key('https://help.example.com/v1/search?limit=3&q=token'),
      'parameter order does not split the cache',
    );
    assert.notEqual(
      a,
      key('https://help.example.com/v1/search?q=token&limit=3', { headers: { origin: 'https://www.example.com' } }),
      'each site its own CORS headers',
    );
    assert.notEqual(
      a,
      cacheKeyOf(new Request('https://help.example.com/v1/search?q=token&limit=3'), {
        ...options,
        version: 'next build',
      })?.url,
    );
    for (const path of [
      '/v1/suggest?q=exp',
      '/v1/articles',
      '/v1/articles/expired-access-token',
      '/articles/expired-access-token',
    ])
      assert.ok(key(`https://help.example.com${path}`), path);
  });

  it('never keeps what carries credentials, changes state or depends on the caller', () => {
    assert.equal(key('https://help.example.com/v1/search?q=token', { headers: { authorization: 'Bearer abc' } }), null);
    assert.equal(key('https://help.example.com/v1/search?q=token', { headers: { cookie: 'session=abc' } }), null);
    assert.equal(key('https://help.example.com/v1/diagnose', { method: 'POST', body: '{}' }), null);
    for (const path of ['/v1/me', '/healthz', '/', '/v1/articles/a/b', '/openapi.json'])
      assert.equal(key(`https://help.example.com${path}`), null, path);
  });
});
