import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { readAuthConfig } from '../../src/config/auth.ts';
import { createApp } from '../../src/http/app.ts';
import { createVerifier } from '../../src/http/auth.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { PUBLIC_API_DIAGNOSIS, testEventStore } from '../support/event-store.ts';
import { ROOT } from '../support/server.ts';

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const SECRET = 'insights-test-shared-secret-of-at-least-32-bytes';
const auth = { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://fixpath.example.com', AUTH_AUDIENCE: 'fixpath' };
const store = testEventStore('insights-routes');

const signedIn = createApp({
  library: () => library,
  verifier: createVerifier(readAuthConfig(auth, '0.0.0.0')),
  insights: { store, excerpts: false },
});
const agentToken = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256' })
  .setIssuer(auth.AUTH_ISSUER)
  .setAudience(auth.AUTH_AUDIENCE)
  .setSubject('ana')
  .setExpirationTime('5m')
  .sign(new TextEncoder().encode(SECRET));
const asAgent = { authorization: `Bearer ${agentToken}` };
const local = createApp({ library: () => library, insights: { store, excerpts: false } });

/** An API diagnosis fixpath could not settle, with this signature: a gap. */
function recordAbstention(id: string, key: string, template: string | null): void {
  store.record({
    ...PUBLIC_API_DIAGNOSIS,
    outcome: 'abstained',
    signature: { id, key, status: null, codes: [], exceptions: [], template },
  });
}

async function problem(response: Response): Promise<{ status: number; detail: string; type: string }> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  return (await response.json()) as { status: number; detail: string; type: string };
}

describe('insights are for agents', () => {
  for (const path of ['/v1/insights/summary', '/v1/insights/gaps', '/v1/insights/sessions/visitor-0001']) {
    it(`${path} asks a public caller to sign in`, async () => {
      const response = await signedIn.request(path);
      assert.equal(response.status, 401);
      assert.equal((await signedIn.request(path, { headers: asAgent })).status, 200);
    });
  }

  it('but anyone may vote, and a vote is counted for the agents', async () => {
    const vote = await signedIn.request('/v1/feedback', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fixpath-session': 'visitor-0001' },
      body: JSON.stringify({ helpful: true, cause: 'token-expired', step: 'request-new-token' }),
    });
    assert.equal(vote.status, 202);
    const summary = (await (await signedIn.request('/v1/insights/summary', { headers: asAgent })).json()) as {
      feedback: { helpful: number };
    };
    assert.equal(summary.feedback.helpful, 1);
  });
});

describe('insights refuse what they cannot answer, saying what to fix', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['/v1/insights/summary?from=2026-12-05&to=2026-12-01', 422, /from \(2026-12-05\) is after to \(2026-12-01\)/],
    ['/v1/insights/summary?to=2026-02-30', 422, /not a real date: "2026-02-30"/],
    ['/v1/insights/summary?from=2016-01-01&to=2026-01-01', 422, /ask for at most 3650/],
    ['/v1/insights/summary?from=yesterday', 422, /a date such as 2026-12-01/],
    ['/v1/insights/gaps?status=closed', 422, /status/],
    ['/v1/insights/gaps?limit=1001', 422, /limit/],
    ['/v1/insights/gaps?limit=0', 422, /limit/],
    ['/v1/insights/gaps/not-an-id/draft', 422, /16 hex digits/],
    ['/v1/insights/gaps/0123456789abcdef/draft', 404, /no gap has the id "0123456789abcdef"/],
    ['/v1/insights/sessions/short', 422, /8 to 64/],
  ];
  for (const [path, status, detail] of cases)
    it(`${path} → ${status}`, async () => {
      const response = await local.request(path);
      assert.equal(response.status, status);
      assert.match((await problem(response)).detail, detail);
    });

  it('list at most `limit` gaps, up to 1000, and count them all', async () => {
    for (const id of ['eeeeeeeeeeeeeee1', 'eeeeeeeeeeeeeee2']) recordAbstention(id, id, null);
    const one = (await (await local.request('/v1/insights/gaps?limit=1')).json()) as { total: number; gaps: unknown[] };
    assert.equal(one.gaps.length, 1);
    assert.ok(one.total >= 2);
    assert.equal((await local.request('/v1/insights/gaps?limit=1000')).status, 200);
  });

  it('take a span of exactly ten years', async () => {
    assert.equal((await local.request('/v1/insights/summary?from=2016-12-03&to=2026-11-30')).status, 200);
  });

  const votes: Array<[Record<string, unknown>, number, RegExp]> = [
    [{ helpful: true, step: 'refresh-token' }, 422, /name what the vote is about|a step vote names its cause/],
    [
      { helpful: true, cause: 'token-expired', step: 'no-such-step' },
      404,
      /cause "token-expired" has no step "no-such-step"/,
    ],
    [{ helpful: true, cause: 'no-such-cause' }, 404, /a cause this knowledge base does not have/],
    [{ helpful: false, cause: 'token-expired', reason: 'bored' }, 422, /reason/],
    [{ helpful: false, cause: 'token-expired', comment: 'x'.repeat(501) }, 422, /comment/],
    [{ helpful: true, cause: 'token-expired', signature: 'NOT-HEX' }, 422, /signature/],
  ];
  for (const [body, status, detail] of votes)
    it(`a vote ${JSON.stringify(body).slice(0, 70)} → ${status}`, async () => {
      const response = await local.request('/v1/feedback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, status);
      assert.match((await problem(response)).detail, detail);
    });

  it('a comment of exactly 500 characters is taken', async () => {
    const response = await local.request('/v1/feedback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ helpful: false, cause: 'token-expired', comment: 'y'.repeat(500) }),
    });
    assert.equal(response.status, 202);
  });

  it('a view event may come as text/plain, so a closing page sends it without a preflight', async () => {
    const response = await local.request('/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ type: 'view', article: 'expired-access-token', via: 'search' }),
    });
    assert.equal(response.status, 202);
  });
});

describe('with analytics off', () => {
  const off = createApp({ library: () => library, insights: { off: 'ANALYTICS=off' } });

  it('health says so and why', async () => {
    const health = (await (await off.request('/healthz')).json()) as { analytics: unknown };
    assert.deepEqual(health.analytics, { enabled: false, reason: 'ANALYTICS=off' });
  });

  it('insights answer 409 with the setting to change; votes are still accepted and kept nowhere', async () => {
    const response = await off.request('/v1/insights/summary');
    assert.equal(response.status, 409);
    const body = await problem(response);
    assert.match(body.detail, /ANALYTICS=off.*Set ANALYTICS=on/);
    assert.match(body.type, /\/docs#problem-analytics-off$/);
    const vote = await off.request('/v1/feedback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ helpful: true, article: 'expired-access-token' }),
    });
    assert.equal(vote.status, 202);
  });
});

describe('CSV exports', () => {
  it('are spreadsheet-safe: quoted where needed, downloadable by name', async () => {
    recordAbstention('cccccccccccccccc', '=HYPERLINK("x") · "a, b"', 'a, b');
    const response = await local.request('/v1/insights/gaps?format=csv');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/csv/);
    assert.match(
      response.headers.get('content-disposition')!,
      /^attachment; filename="fixpath-gaps-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const text = await response.text();
    assert.match(text, /^id,signature,status,count,/);
    assert.match(text, /cccccccccccccccc,"'=HYPERLINK\(""x""\) · ""a, b""",open,1,/);
  });
});
