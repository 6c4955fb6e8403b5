import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { canaryHar } from '../support/canary-har.ts';
import { ROOT } from '../support/server.ts';
import { evalFile, needsEvalFile } from '../support/shared.ts';

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const MIB = 1024 * 1024;
const app = createApp({
  library: () => library,
  limits: { ...DEFAULT_LIMITS, maxBodyBytes: 64 * 1024, maxUploadBytes: MIB, maxHarEntries: 50 },
});
const evalHar = async (name: string): Promise<string> => readFile(evalFile('har', name), 'utf8');
const post = (path: string, body: BodyInit, type?: string) =>
  app.request(path, { method: 'POST', body, ...(type ? { headers: { 'content-type': type } } : {}) });
const json = async (response: Response) =>
  (await response.json()) as Record<string, unknown> & {
    causes?: Array<{ id: string }>;
    input?: { kind: string };
    detail?: string;
  };

/** A HAR padded with a harmless body to an exact byte size. */
function harOfSize(bytes: number): string {
  const base = JSON.stringify({
    log: {
      entries: [
        { request: { method: 'GET', url: 'https://a.example/' }, response: { status: 200, content: { text: '' } } },
      ],
    },
  });
  return base.replace('"text":""', `"text":"${'x'.repeat(bytes - base.length)}"`);
}

describe('HAR captures over HTTP', () => {
  it(
    'diagnoses {"har": …}, a HAR posted as the body, and a HAR pasted as text',
    needsEvalFile('har', 'h021.har'),
    async () => {
      const har = await evalHar('h021.har');
      for (const response of [
        await post('/v1/diagnose', JSON.stringify({ har: JSON.parse(har) }), 'application/json'),
        await post('/v1/diagnose', har, 'application/json'),
        await post('/v1/diagnose', har, 'text/plain'),
      ]) {
        const body = await json(response);
        assert.equal(response.status, 200);
        assert.equal(body.input?.kind, 'har');
        assert.equal(body.causes?.[0]?.id, 'cors-blocked');
      }
    },
  );

  it('takes a .har file from a form, with a note', needsEvalFile('har', 'h022.har'), async () => {
    const form = new FormData();
    form.set('file', new Blob([await evalHar('h022.har')], { type: 'application/octet-stream' }), 'capture.har');
    form.set('text', 'the customer says it logs them out on the reports page');
    const body = await json(await app.request('/v1/diagnose', { method: 'POST', body: form }));
    assert.equal(body.input?.kind, 'har');
    assert.equal(body.causes?.[0]?.id, 'session-cookie-missing');
  });

  it('answers JSON of another shape with 422 naming the entry and field', async () => {
    const response = await post(
      '/v1/diagnose',
      JSON.stringify({ har: { log: { entries: [{ request: { url: 7 } }] } } }),
      'application/json',
    );
    assert.equal(response.status, 422);
    assert.match((await json(response)).detail ?? '', /log\.entries\[0\]\.request\.url must be a string/);
  });

  it('MAX_UPLOAD_MB: accepts a capture of exactly the limit, refuses one byte more', async () => {
    assert.equal((await post('/v1/diagnose', harOfSize(MIB), 'application/json')).status, 200);
    const over = await post('/v1/diagnose', harOfSize(MIB + 1), 'application/json');
    assert.equal(over.status, 413);
    assert.match((await json(over)).detail ?? '', /1 MiB limit \(MAX_UPLOAD_MB\)/);
  });

  it('holds anything that is not a capture to MAX_BODY_BYTES', async () => {
    const response = await post('/v1/diagnose', `401 ${'y'.repeat(64 * 1024)}`, 'text/plain');
    assert.equal(response.status, 413);
    assert.match((await json(response)).detail ?? '', /64 KiB limit \(MAX_BODY_BYTES\) for anything but a HAR capture/);
  });

  it('MAX_HAR_ENTRIES: refuses a capture with more entries', async () => {
    const entries = Array.from({ length: 51 }, () => ({
      request: { url: 'https://a.example/' },
      response: { status: 200 },
    }));
    const response = await post('/v1/diagnose', JSON.stringify({ log: { entries } }), 'application/json');
    assert.equal(response.status, 422);
    assert.match((await json(response)).detail ?? '', /51 entries, more than the 50 allowed \(MAX_HAR_ENTRIES\)/);
  });

  it('sanitizes a capture: with its manifest, or bare to save as a file', async () => {
    const withManifest = await json(await post('/v1/har/sanitize', JSON.stringify(canaryHar()), 'application/json'));
    const manifest = withManifest.manifest as {
      entries: number;
      total: number;
      removed: Array<{ where: string; name: string; count: number }>;
    };
    assert.equal(manifest.entries, 2);
    assert.ok(manifest.total >= 20);
    assert.ok(manifest.removed.every((item) => typeof item.name === 'string' && typeof item.count === 'number'));
    const bare = await post('/v1/har/sanitize?format=har', JSON.stringify({ har: canaryHar() }), 'application/json');
    assert.match(bare.headers.get('content-disposition') ?? '', /sanitized\.har/);
    const har = (await bare.json()) as { log: { entries: unknown[]; _sanitized: unknown } };
    assert.equal(har.log.entries.length, 2);
    assert.ok(har.log._sanitized);
    assert.equal(
      (await post('/v1/har/sanitize', JSON.stringify({ text: 'not a capture' }), 'application/json')).status,
      422,
    );
  });
});
