import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { waitFor } from '../support/server.ts';

/**
 * The insights part of the HTTP contract: what the event store keeps of traffic, read back
 * through the agents' API, the same on Node (SQLite, written every ANALYTICS_FLUSH_MS) and in
 * workerd (a local D1, written after each request). Each runtime starts with an empty database.
 */
export interface ContractRuntime {
  base: () => string;
  /** `fetch` whose every answer is checked against the runtime's own OpenAPI document. */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  agentToken: () => Promise<string>;
}

/** A vendor code no article knows: fixpath abstains, and the tenant is masked out of the signature. */
const UNKNOWN_ERROR = (tenant: number) => `QX4411: the gizmo rejected the frobnication for tenant ${tenant}`;
const SETTLING_TEXT = 'CSRF verification failed. Request aborted.';
const SETTLING_ERROR = { status: 429, headers: { 'retry-after': '30' } };

interface Summary {
  diagnoses: { total: number; cause: number; lookalike: number; abstained: number };
  views: number;
  feedback: { helpful: number; notHelpful: number; reasons: Record<string, number> };
  causes: Array<{ id: string; votes: { helpful: number; notHelpful: number } }>;
}
interface Gap {
  id: string;
  status: string;
  count: number;
  sources: { abstained: number };
  example: { codes: string[] };
}
interface Diagnosis {
  causes: Array<{ id: string }>;
  signature?: { id: string };
}

export function insightsContract({ base, fetch, agentToken }: ContractRuntime): void {
  const asAgent = async (init: RequestInit = {}): Promise<RequestInit> => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await agentToken()}` },
  });
  const read = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${base()}${path}`, await asAgent(init));
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
  const send = (path: string, body: unknown, session: string) =>
    fetch(`${base()}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-fixpath-session': session },
    });
  const diagnose = async (body: unknown, session: string): Promise<Diagnosis> => {
    const response = await send('/v1/diagnose', body, session);
    assert.equal(response.status, 200);
    return (await response.json()) as Diagnosis;
  };
  /** The batch is written: nothing waits in memory (Node flushes on its timer, the Worker after each request). */
  const written = () =>
    waitFor(async () => {
      const health = (await (await fetch(`${base()}/healthz`)).json()) as { analytics: { unflushed?: number } };
      return health.analytics.unflushed === 0;
    }, 5_000);
  const gaps = (status: string) => read<{ gaps: Gap[] }>(`/v1/insights/gaps?status=${status}`);

  // Each runtime's own visitors: one who diagnoses, one who votes and is then erased.
  const asker = `contract-asker-${randomUUID().slice(0, 8)}`;
  const voter = `contract-voter-${randomUUID().slice(0, 8)}`;
  let gapId = '';

  it('keeps insights for agents only', async () => {
    assert.equal((await fetch(`${base()}/v1/insights/summary`)).status, 401);
  });

  it('counts each diagnosis once its batch is written: settled and abstained', async () => {
    const before = await read<Summary>('/v1/insights/summary');
    const settled = [await diagnose({ text: SETTLING_TEXT }, asker), await diagnose({ error: SETTLING_ERROR }, asker)];
    assert.deepEqual(
      settled.map((answer) => answer.causes[0]?.id),
      ['csrf-token-invalid', 'rate-limited'],
    );
    const unknown = [
      await diagnose({ text: UNKNOWN_ERROR(77) }, asker),
      await diagnose({ text: UNKNOWN_ERROR(78) }, asker),
    ];
    assert.deepEqual(
      unknown.map((answer) => answer.causes.length),
      [0, 0],
      'fixpath abstains on an error no article knows',
    );
    assert.ok(unknown[0]?.signature, 'an abstained diagnosis still has a signature');
    assert.equal(unknown[1]?.signature?.id, unknown[0].signature.id, 'two tenants, one signature');
    gapId = unknown[0].signature.id;
    await written();
    const after = await read<Summary>('/v1/insights/summary');
    assert.equal(after.diagnoses.total - before.diagnoses.total, 4);
    assert.equal(after.diagnoses.cause - before.diagnoses.cause, 2);
    assert.equal(after.diagnoses.abstained - before.diagnoses.abstained, 2);
  });

  it('lists what it could not settle as a gap by signature, with a draft article', async () => {
    const gap = (await gaps('open')).gaps.find((each) => each.id === gapId);
    assert.ok(gap, `the abstained signature ${gapId} is an open gap`);
    assert.equal(gap.count, 2);
    assert.equal(gap.sources.abstained, 2);
    assert.ok(gap.example.codes.includes('QX4411'), `codes: ${gap.example.codes.join(', ')}`);
    const draft = await read<{ gap: string; markdown: string }>(`/v1/insights/gaps/${gapId}/draft`);
    assert.equal(draft.gap, gapId);
    assert.match(draft.markdown, /QX4411/);
    const missing = await fetch(`${base()}/v1/insights/gaps/ffffffffffffffff/draft`, await asAgent());
    assert.equal(missing.status, 404);
  });

  it('ignores a gap, and it stays ignored when the error comes back', async () => {
    const ignored = await read<{ id: string; status: string }>(`/v1/insights/gaps/${gapId}/ignore`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(ignored, { id: gapId, status: 'ignored' });
    assert.equal((await diagnose({ text: UNKNOWN_ERROR(79) }, asker)).signature?.id, gapId);
    await written();
    assert.equal(
      (await gaps('open')).gaps.find((each) => each.id === gapId),
      undefined,
    );
    const gap = (await gaps('ignored')).gaps.find((each) => each.id === gapId);
    assert.equal(gap?.status, 'ignored');
    assert.equal(gap?.count, 3, 'still counted while ignored');
  });

  it('counts one vote per session and item: a later vote replaces the earlier', async () => {
    const before = await read<Summary>('/v1/insights/summary');
    await diagnose({ text: SETTLING_TEXT }, voter);
    for (const vote of [
      { helpful: true, cause: 'csrf-token-invalid' },
      { helpful: false, cause: 'csrf-token-invalid', reason: 'wrong-cause' },
    ])
      assert.equal((await send('/v1/feedback', vote, voter)).status, 202);
    assert.equal(
      (await send('/v1/events', { type: 'view', article: 'csrf-token-invalid', via: 'diagnosis' }, voter)).status,
      202,
    );
    await written();
    const after = await read<Summary>('/v1/insights/summary');
    assert.equal(after.feedback.helpful - before.feedback.helpful, 0);
    assert.equal(after.feedback.notHelpful - before.feedback.notHelpful, 1);
    assert.equal((after.feedback.reasons['wrong-cause'] ?? 0) - (before.feedback.reasons['wrong-cause'] ?? 0), 1);
    assert.equal(after.views - before.views, 1);
    const votes = (summary: Summary) => summary.causes.find((cause) => cause.id === 'csrf-token-invalid')?.votes;
    assert.equal((votes(after)?.notHelpful ?? 0) - (votes(before)?.notHelpful ?? 0), 1);
  });

  it('answers the summary and the gaps as CSV for a spreadsheet', async () => {
    for (const path of ['/v1/insights/summary?format=csv', '/v1/insights/gaps?format=csv&status=all']) {
      const response = await fetch(`${base()}${path}`, await asAgent());
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="fixpath-.+\.csv"$/);
      const text = await response.text();
      assert.match(text, path.includes('gaps') ? new RegExp(`^${gapId},`, 'm') : /^row,day,cause,/);
    }
  });

  it("exports a session's events and votes, and deletes them", async () => {
    const exported = await read<{ events: Array<{ type: string }>; feedback: Array<{ helpful: number }> }>(
      `/v1/insights/sessions/${voter}`,
    );
    assert.deepEqual(exported.events.map((event) => event.type).sort(), ['diagnose', 'view']);
    assert.deepEqual(
      exported.feedback.map((vote) => vote.helpful),
      [0],
    );
    const deleted = await read<{ deleted: { events: number; feedback: number } }>(`/v1/insights/sessions/${voter}`, {
      method: 'DELETE',
    });
    assert.deepEqual(deleted.deleted, { events: 2, feedback: 1 });
    const after = await read<{ events: unknown[]; feedback: unknown[] }>(`/v1/insights/sessions/${voter}`);
    assert.deepEqual([after.events, after.feedback], [[], []]);
    const untouched = await read<{ events: unknown[] }>(`/v1/insights/sessions/${asker}`);
    assert.equal(untouched.events.length, 5, "another session's events stay");
  });
}
