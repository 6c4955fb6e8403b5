import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../support/server.ts';
import { uniqueRequestId, waitForLogLine, waitForRequestLine } from '../support/server-log.ts';
import { startWorker } from '../support/worker.ts';

/**
 * The Worker in production shape, in workerd (wrangler dev): budgets kept by the Rate Limiting
 * binding (the `limits` environment: 8 requests and 3 uploads a minute), public answers kept in
 * the Cache API, and every request, feedback and start-up problem in the Worker's log as JSON.
 */
const SIGN_IN = {
  AUTH_JWT_SECRET: 'worker-test-shared-secret-0123456789abcdefgh',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'fixpath',
};

describe('the Worker in workerd', () => {
  let worker: RunningServer;
  before(async () => {
    worker = await startWorker(SIGN_IN, 'limits');
  });
  after(async () => {
    await worker?.stop();
  });

  it('keeps public budgets in the Rate Limiting binding: 429 past the limit, per client', async () => {
    const from = (client: string, index: number) =>
      fetch(`${worker.url}/v1/search?q=token%20${client}%20${index}`, { headers: { 'cf-connecting-ip': client } });
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
});

describe('the Worker with a bad setting', () => {
  let worker: RunningServer | undefined;
  after(async () => {
    await worker?.stop();
  });

  it('answers 503 problem+json and logs the problem as an error', async () => {
    worker = await startWorker({ ...SIGN_IN, MAX_UPLOAD_MB: 'lots' }, 'limits');
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
