import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { readCases } from '../../bench/evaluate.ts';
import { EVAL_DIR } from '../../bench/evaluate.ts';
import { readCorpus } from '../../bench/corpus.ts';
import { needsShared } from '../support/shared.ts';
import { ROOT, startServer, type RunningServer } from '../support/server.ts';
import { startWorker } from '../support/worker.ts';

/**
 * One HTTP contract, two runtimes: the Node server and the Worker in workerd must answer the
 * same requests the same way, so they cannot drift.
 */
const CONFIG = {
  AUTH_JWT_SECRET: 'contract-suite-shared-secret-0123456789abcdef',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'fixpath',
  WIDGET_ORIGINS: 'https://www.example.com',
  RATE_LIMIT_PER_MINUTE: '100000',
  UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
};
const agentToken = () =>
  new SignJWT({ roles: ['agent'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(CONFIG.AUTH_ISSUER).setAudience(CONFIG.AUTH_AUDIENCE).setSubject('ana').setExpirationTime('10m').sign(new TextEncoder().encode(CONFIG.AUTH_JWT_SECRET));

const runtimes: Record<string, RunningServer> = {};
before(async () => {
  [runtimes.node, runtimes.worker] = await Promise.all([startServer(CONFIG), startWorker(CONFIG)]);
});
after(async () => {
  await Promise.all(Object.values(runtimes).map((server) => server.stop()));
});

const post = (base: string, path: string, body: string, type: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type, ...headers } });

for (const name of ['node', 'worker']) {
  describe(`the HTTP contract on ${name}`, () => {
    const base = () => runtimes[name]!.url;

    it('searches and suggests', async () => {
      const search = (await (await fetch(`${base()}/v1/search?q=token%20expired&limit=3`)).json()) as { hits: Array<{ slug: string }> };
      assert.equal(search.hits[0]?.slug, 'expired-access-token');
      const suggest = (await (await fetch(`${base()}/v1/suggest?q=refresh%20tok`)).json()) as { suggestions: Array<{ slug: string }> };
      assert.ok(suggest.suggestions.some((item) => item.slug === 'refresh-token-invalid'));
    });

    it('diagnoses text, an error response and a HAR', async () => {
      const text = (await (await post(base(), '/v1/diagnose', JSON.stringify({ text: 'CSRF verification failed. Request aborted.' }), 'application/json')).json()) as { causes: Array<{ id: string }> };
      assert.equal(text.causes[0]?.id, 'csrf-token-invalid');
      const error = (await (await post(base(), '/v1/diagnose', JSON.stringify({ error: { status: 429, headers: { 'retry-after': '30' } } }), 'application/json')).json()) as { causes: Array<{ id: string }> };
      assert.equal(error.causes[0]?.id, 'rate-limited');
      const har = await readFile(join(ROOT, 'test', 'fixtures', 'har', 'firefox.har'), 'utf8');
      const capture = (await (await post(base(), '/v1/diagnose', har, 'application/json')).json()) as { input: { kind: string; failing: number }; findings: unknown[] };
      assert.equal(capture.input.kind, 'har');
      assert.equal(capture.input.failing, 2);
    });

    it('serves articles, and answers errors as problems', async () => {
      assert.equal((await fetch(`${base()}/v1/articles/clock-skew`)).status, 200);
      assert.match(await (await fetch(`${base()}/articles/clock-skew`)).text(), /<h1>/);
      const missing = await fetch(`${base()}/v1/articles/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('content-type'), 'application/problem+json');
      assert.equal((await post(base(), '/v1/diagnose', '<x/>', 'application/xml')).status, 415);
      assert.equal((await post(base(), '/v1/diagnose', '{"text":', 'application/json')).status, 400);
      assert.equal((await post(base(), '/v1/diagnose', JSON.stringify({ har: { log: {} } }), 'application/json')).status, 422);
    });

    it('signs agents in, keeps internal articles internal, and guards origins', async () => {
      assert.equal((await fetch(`${base()}/v1/me`)).status, 401);
      const token = await agentToken();
      assert.equal((await fetch(`${base()}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await fetch(`${base()}/v1/articles/auth-incident-escalation`)).status, 404);
      assert.equal((await fetch(`${base()}/v1/articles/auth-incident-escalation`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      const allowed = await fetch(`${base()}/v1/search?q=token`, { headers: { origin: 'https://www.example.com' } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://www.example.com');
      assert.equal((await fetch(`${base()}/v1/search?q=token`, { headers: { origin: 'https://evil.example' } })).status, 403);
    });
  });
}

describe('the same answers on Node and in workerd', () => {
  /** Every case's ranked causes with their confidences, as one runtime answers them. */
  const rankings = (base: string, cases: Array<{ id: string; kind: string; input: unknown }>, directory: string) =>
    Promise.all(
      cases.map(async (entry) => {
        const body = entry.kind === 'text' ? { text: entry.input } : entry.kind === 'error' ? { error: entry.input } : { har: JSON.parse(await readFile(join(directory, String(entry.input)), 'utf8')) as unknown };
        const answer = (await (await post(base, '/v1/diagnose', JSON.stringify(body), 'application/json')).json()) as { causes: Array<{ id: string; confidence: number }> };
        return `${entry.id}: ${answer.causes.map((cause) => `${cause.id}@${cause.confidence}`).join(' ')}`;
      }),
    );
  const compare = async (cases: Array<{ id: string; kind: string; input: unknown }>, directory: string): Promise<void> => {
    const [node, worker] = await Promise.all([rankings(runtimes.node!.url, cases, directory), rankings(runtimes.worker!.url, cases, directory)]);
    assert.equal(node.length, cases.length);
    assert.deepEqual(worker, node);
  };

  it('ranks the causes of every development case identically', needsShared('eval', 'dev', 'cases.jsonl'), async () => {
    await compare(await readCases(['text', 'error', 'har']), EVAL_DIR);
  });

  it('ranks the causes of every real-world report and recorded capture identically', async () => {
    const scenarios = join(ROOT, 'test', 'fixtures', 'har', 'scenarios');
    const labels = JSON.parse(await readFile(join(scenarios, 'labels.json'), 'utf8')) as Record<string, string[]>;
    await compare((await readCorpus()).filter((entry) => entry.kind !== 'har'), ROOT);
    await compare(Object.keys(labels).map((file) => ({ id: file, kind: 'har', input: file })), scenarios);
  });
});
