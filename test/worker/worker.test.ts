import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { checkedFetch, type OpenApiDocument, ResponseChecker } from '../support/openapi-check.ts';
import type { RunningServer } from '../support/server.ts';
import { uniqueRequestId, waitForLogLine, waitForRequestLine } from '../support/server-log.ts';
import { applyMigrations, type LocalWorker, startLocalWorker } from './local-worker.ts';

/**
 * The Worker in production shape, in workerd (wrangler dev): budgets kept by the Rate Limiting
 * binding (the `limits` environment: 8 requests and 3 uploads a minute), public answers kept in
 * the Cache API, and every request, feedback and start-up problem in the Worker's log as JSON.
 * `limits` has no D1 binding: it is also the Worker that keeps nothing. The event store on D1
 * is held to the HTTP contract (test/contract); here, what happens before its migrations are
 * applied, and the cron trigger.
 */
const SIGN_IN = {
  AUTH_JWT_SECRET: 'worker-test-shared-secret-0123456789abcdefgh',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'fixpath',
};
const agentToken = () =>
  new SignJWT({ roles: ['agent'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(SIGN_IN.AUTH_ISSUER)
    .setAudience(SIGN_IN.AUTH_AUDIENCE)
    .setSubject('ana')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SIGN_IN.AUTH_JWT_SECRET));

/** The cron expression of [triggers] in wrangler.toml; `wrangler dev --test-scheduled` fires it on GET /__scheduled. */
const CRON = '17 * * * *';
const fireCron = (worker: RunningServer) => fetch(`${worker.url}/__scheduled?cron=${encodeURIComponent(CRON)}`);

/** `fetch` that holds every answer to the Worker's own OpenAPI document. */
async function documentedFetch(worker: RunningServer): Promise<(url: string, init?: RequestInit) => Promise<Response>> {
  const document = (await (await fetch(`${worker.url}/openapi.json`)).json()) as OpenApiDocument;
  const checker = new ResponseChecker(document);
  return checkedFetch(() => checker);
}

describe('the Worker in workerd', () => {
  let worker: RunningServer;
  before(async () => {
    worker = await startLocalWorker(SIGN_IN, { environment: 'limits', testScheduled: true });
  });
  after(async () => {
    await worker?.stop();
  });

  it('keeps public budgets in the Rate Limiting binding: 429 past the limit, per client', async () => {
    const from = (client: string, index: number) =>
      fetch(`${worker.url}/v1/search?q=token%20${client}%20${index}`, { headers: { 'cf-connecting-ip': client } });
    // The binding's windows are whole minutes of the wall clock: begin far enough from the next one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((done) => setTimeout(done, 60_000 - intoMinute + 100));
    const statuses: number[] = [];
    for (let index = 0; index < 9; index += 1) statuses.push((await from('198.51.100.7', index)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const refused = await from('198.51.100.7', 99);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '60');
    assert.equal(refused.headers.get('ratelimit-policy'), '"requests";q=8;w=60');
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal((await from('203.0.113.20', 0)).status, 200, 'another client has its own budget');
  });

  it('answers repeated public reads from the Cache API, never a signed-in read', async () => {
    const url = `${worker.url}/v1/articles/expired-access-token`;
    const headers = { 'cf-connecting-ip': '192.0.2.50' };
    const first = await fetch(url, { headers });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-fixpath-cache'), 'MISS');
    const body = await first.text();
    let second: Response | undefined;
    // The copy is stored in the background (waitUntil): allow it a moment.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      second = await fetch(url, { headers });
      if (second.headers.get('x-fixpath-cache') === 'HIT') break;
      await second.arrayBuffer();
      await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(second!.headers.get('x-fixpath-cache'), 'HIT');
    assert.equal(await second!.text(), body);
    assert.notEqual(
      second!.headers.get('x-request-id'),
      first.headers.get('x-request-id'),
      'a cached answer carries no stale request id',
    );
    const signedIn = await fetch(url, { headers: { ...headers, authorization: 'Bearer not-a-token' } });
    assert.equal(signedIn.headers.get('x-fixpath-cache'), null);
    assert.equal(signedIn.status, 401);
  });

  it('compiles its request code in the global scope, where workerd refuses I/O and random values', async () => {
    const warmed = await waitForLogLine(worker, 'the warm-up', (event) => event.event === 'warmed-up');
    const [ran, of] = String(warmed.steps).split(' of ');
    assert.ok(Number(of) > 5, String(warmed.steps));
    assert.equal(ran, of, 'every warm-up step ran in workerd');
    // Each route request got past the middleware, validation and body reading to the library.
    const [reached, sent] = String(warmed.routes).split(' of ');
    assert.ok(Number(sent) > 5, String(warmed.routes));
    assert.equal(reached, sent, 'every warm-up route ran in workerd up to its response');
  });

  it('writes each request and each feedback to the log as JSON', async () => {
    const requestId = uniqueRequestId('worker-log-check');
    const response = await fetch(`${worker.url}/healthz`, {
      headers: { 'x-request-id': requestId, 'cf-connecting-ip': '192.0.2.60' },
    });
    assert.equal(response.status, 200);
    const request = await waitForRequestLine(worker, requestId);
    assert.equal(request.status, 200);
    assert.equal(request.route, '/healthz');
    const feedback = await fetch(`${worker.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.60' },
      body: JSON.stringify({ helpful: true, article: 'expired-access-token' }),
    });
    assert.ok(feedback.ok, String(feedback.status));
    const logged = await waitForLogLine(worker, 'the feedback', (event) => event.event === 'feedback');
    assert.equal(logged.helpful, true);
    assert.equal(logged.article, 'expired-access-token');
  });

  it('keeps nothing without a D1 binding: /healthz says so, and insights answer 409', async () => {
    const fetchChecked = await documentedFetch(worker);
    const headers = { 'cf-connecting-ip': '192.0.2.70' };
    const health = (await (await fetchChecked(`${worker.url}/healthz`, { headers })).json()) as {
      analytics: { enabled: boolean; reason?: string };
    };
    assert.deepEqual(health.analytics, { enabled: false, reason: 'no D1 binding DB' });
    const refused = await fetchChecked(`${worker.url}/v1/insights/summary`, {
      headers: { ...headers, authorization: `Bearer ${await agentToken()}` },
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.match(((await refused.json()) as { detail: string }).detail, /no D1 binding DB/);
    assert.equal((await fireCron(worker)).status, 200);
    const logged = await waitForLogLine(
      worker,
      'the skipped cron run',
      (event) => event.event === 'analytics-maintain-skipped',
    );
    assert.equal(logged.reason, 'no D1 binding DB');
  });
});

describe('the Worker with a D1 database, before and after its migrations', () => {
  let worker: LocalWorker;
  let fetchChecked: (url: string, init?: RequestInit) => Promise<Response>;
  before(async () => {
    // The contract environment's D1, left empty: as a Worker deployed before `wrangler d1 migrations apply DB`.
    worker = await startLocalWorker(SIGN_IN, { environment: 'contract', testScheduled: true });
    fetchChecked = await documentedFetch(worker);
  });
  after(async () => {
    await worker?.stop();
  });
  const diagnose = (tenant: number) =>
    fetch(`${worker.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fixpath-session': 'worker-test-session' },
      body: JSON.stringify({ text: `QX4411: the gizmo rejected the frobnication for tenant ${tenant}` }),
    });
  const summary = async () =>
    fetchChecked(`${worker.url}/v1/insights/summary`, { headers: { authorization: `Bearer ${await agentToken()}` } });
  const HINT = /wrangler d1 migrations apply DB/;

  it('still diagnoses without the tables, logs what to run, and answers insights with a 409 problem', async () => {
    assert.equal((await diagnose(1)).status, 200);
    const failed = await waitForLogLine(
      worker,
      'the failed write',
      (event) => event.event === 'analytics-write-failed',
    );
    assert.equal(failed.level, 'error');
    assert.equal(failed.lost, 1);
    assert.match(String(failed.message), HINT);
    const refused = await summary();
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as { detail: string }).detail, HINT);
    assert.equal((await fireCron(worker)).status, 200);
    const maintain = await waitForLogLine(
      worker,
      'the failed cron run',
      (event) => event.event === 'analytics-maintain-failed',
    );
    assert.match(String(maintain.message), HINT);
  });

  it('keeps events once the migrations are applied, without a restart, and maintains them on the cron trigger', async () => {
    await applyMigrations(worker.state, 'contract');
    assert.equal((await diagnose(2)).status, 200);
    const kept = await summary();
    assert.equal(kept.status, 200);
    assert.deepEqual(((await kept.json()) as { diagnoses: unknown }).diagnoses, {
      total: 1,
      cause: 0,
      lookalike: 0,
      abstained: 1,
    });
    assert.equal((await fireCron(worker)).status, 200);
    const maintained = await waitForLogLine(worker, 'the cron run', (event) => event.event === 'analytics-maintained');
    assert.equal(maintained.level, 'info');
    assert.equal(maintained.cron, CRON);
    // Today is not finished and nothing has expired: the run is wired, the store's own tests cover the arithmetic.
    assert.deepEqual([maintained.rolledUp, maintained.deleted], [0, 0]);
  });
});

describe('the Worker with a bad setting', () => {
  let worker: RunningServer | undefined;
  after(async () => {
    await worker?.stop();
  });

  it('answers 503 problem+json and logs the problem as an error', async () => {
    worker = await startLocalWorker({ ...SIGN_IN, MAX_UPLOAD_MB: 'lots' }, { environment: 'limits' });
    const response = await fetch(`${worker.url}/v1/search?q=token`);
    assert.equal(response.status, 503);
    const problem = (await response.json()) as { type: string; detail: string };
    assert.match(problem.type, /^http:\/\/127\.0\.0\.1:\d+\/docs#problem-misconfigured$/);
    assert.match(problem.detail, /MAX_UPLOAD_MB/);
    const logged = await waitForLogLine(worker, 'the start-up problem', (event) => event.event === 'start-failed');
    assert.equal(logged.level, 'error');
    assert.match(String(logged.message), /MAX_UPLOAD_MB/);
  });
});
