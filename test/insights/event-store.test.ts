import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CODES } from '../../src/insights/codes.ts';
import { EventStore } from '../../src/insights/event-store.ts';
import type { InsightEvent } from '../../src/insights/events.ts';
import { insightsGaps, insightsSummary } from '../../src/insights/insights.ts';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { SqliteDatabase } from '../../src/node/sqlite-database.ts';
import { ROOT } from '../support/server.ts';

const MIGRATIONS = join(ROOT, 'migrations');
const kb = buildKnowledgeBase([]);
const DAY = 86_400_000;
const start = Date.parse('2026-11-10T09:00:00Z');
const today = Math.floor(start / DAY);

const signature = (id: string, key = `401 · ${id}`) => ({
  id,
  key,
  status: 401,
  codes: [id.toUpperCase()],
  exceptions: [],
  template: null,
});
const diagnoseEvent = (fields: Partial<InsightEvent>): InsightEvent => ({
  type: 'diagnose',
  channel: 'widget',
  audience: 'public',
  session: 'visitor-0001',
  ...fields,
});

let directory: string;
let database: SqliteDatabase;
let time: number;
let store: EventStore;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'fixpath-store-'));
  database = SqliteDatabase.open(directory, MIGRATIONS).database;
  time = start;
  store = new EventStore(database, { now: () => new Date(time), flushMs: 0 });
});
afterEach(() => {
  database.close();
  rmSync(directory, { recursive: true, force: true });
});

const rows = (sql: string) => database.all<Record<string, string | number | null>>(sql);

describe('the event store', () => {
  it('creates the database and applies the migrations once, recording them as wrangler does', async () => {
    const again = SqliteDatabase.open(directory, MIGRATIONS);
    assert.deepEqual(again.applied, [], 'nothing is applied twice');
    again.database.close();
    const applied = await rows('SELECT name FROM d1_migrations');
    assert.ok(applied.some((row) => row.name === '0001_insights.sql'));
    assert.equal((await rows('PRAGMA journal_mode'))[0]!.journal_mode, 'wal');
  });

  it('writes nothing until a batch is flushed, then all of it at once', async () => {
    for (let i = 0; i < 7; i += 1) store.record(diagnoseEvent({ outcome: 'cause', cause: 'token-expired' }));
    assert.equal(store.unflushed, 7);
    assert.equal((await rows('SELECT count(*) AS n FROM events'))[0]!.n, 0);
    assert.equal(await store.flush(), 7);
    assert.equal(store.unflushed, 0);
    assert.equal((await rows('SELECT count(*) AS n FROM events'))[0]!.n, 7);
  });

  it('writes a batch by itself when it reaches the batch size', async () => {
    const small = new EventStore(database, { now: () => new Date(time), batchSize: 3, flushMs: 0 });
    for (let i = 0; i < 3; i += 1) small.record(diagnoseEvent({ outcome: 'abstained' }));
    await small.flush();
    assert.equal((await rows('SELECT count(*) AS n FROM events'))[0]!.n, 3);
  });

  it('keeps a session id only as a salted hash that changes every day', async () => {
    store.record(diagnoseEvent({ session: 'visitor-0001' }));
    time += DAY;
    store.record(diagnoseEvent({ session: 'visitor-0001' }));
    await store.flush();
    const sessions = (await rows('SELECT session FROM events ORDER BY id')).map((row) => row.session);
    assert.equal(sessions.length, 2);
    assert.notEqual(sessions[0], sessions[1], 'a different id each day');
    for (const session of sessions) assert.ok(Number.isSafeInteger(session) && Number(session) < 2 ** 52);
    const file = readFileSync(join(directory, 'fixpath.db')).toString('latin1') + readWal();
    assert.ok(!file.includes('visitor-0001'), 'the client id itself is nowhere in the file');
  });

  it('exports and deletes one session across days, leaving other sessions and the daily counts', async () => {
    store.record(diagnoseEvent({ session: 'visitor-0001', outcome: 'cause', cause: 'token-expired' }));
    store.vote({
      channel: 'widget',
      audience: 'public',
      session: 'visitor-0001',
      helpful: true,
      cause: 'token-expired',
    });
    store.record(diagnoseEvent({ session: 'someone-else', outcome: 'cause', cause: 'token-expired' }));
    time += DAY;
    await store.maintain();
    store.record(diagnoseEvent({ session: 'visitor-0001', outcome: 'abstained' }));
    const exported = await store.exportSession('visitor-0001');
    assert.equal(exported.events.length, 2);
    assert.equal(exported.feedback.length, 1);
    assert.equal(exported.events[0]!.day, '2026-11-10');
    assert.deepEqual(await store.deleteSession('visitor-0001'), { events: 2, feedback: 1 });
    assert.deepEqual((await store.exportSession('visitor-0001')).events, []);
    assert.equal((await rows('SELECT count(*) AS n FROM events'))[0]!.n, 1, "the other visitor's event stays");
    const summary = await insightsSummary(store, kb, { from: today, to: today });
    assert.equal(summary.diagnoses.total, 2, 'counts already rolled up stay: they hold no session');
  });

  it('keeps one vote per session and item, the latest', async () => {
    const vote = {
      channel: 'widget' as const,
      audience: 'public' as const,
      session: 'visitor-0001',
      cause: 'token-expired',
    };
    store.vote({ ...vote, helpful: false, reason: 'wrong-cause', comment: 'not this' });
    store.vote({ ...vote, helpful: true });
    store.vote({ ...vote, helpful: false, step: 'refresh-token' });
    store.vote({ ...vote, session: 'visitor-0002', helpful: false, reason: 'tried-failed' });
    await store.flush();
    const votes = await rows(
      'SELECT item_kind, item, helpful, reason, comment FROM feedback ORDER BY item_kind, helpful',
    );
    assert.deepEqual(
      votes.map((row) => ({ ...row })),
      [
        { item_kind: 'cause', item: 'token-expired', helpful: 0, reason: 'tried-failed', comment: null },
        { item_kind: 'cause', item: 'token-expired', helpful: 1, reason: null, comment: null },
        { item_kind: 'step', item: 'token-expired#refresh-token', helpful: 0, reason: null, comment: null },
      ],
    );
  });

  it('counts the same whether a day was rolled up or read from its events', async () => {
    const day = () => {
      store.record(diagnoseEvent({ outcome: 'cause', cause: 'token-expired' }));
      store.record(diagnoseEvent({ outcome: 'abstained', signature: signature('aaaaaaaaaaaaaaaa') }));
      store.record(diagnoseEvent({ type: 'search', results: 0, outcome: 'none' }));
      store.record(diagnoseEvent({ type: 'search', results: 4, outcome: 'results' }));
      store.record(diagnoseEvent({ type: 'view', article: 'expired-access-token', outcome: 'search' }));
      store.vote({
        channel: 'widget',
        audience: 'public',
        session: 'v-1234567',
        helpful: true,
        cause: 'token-expired',
      });
    };
    day();
    time += DAY;
    day();
    time += DAY;
    const range = { from: today, to: today + 2 };
    const before = await insightsSummary(store, kb, range);
    const gapsBefore = await insightsGaps(store, kb, range);
    const { rolledUp } = await store.maintain();
    assert.equal(rolledUp, 2);
    assert.deepEqual(await insightsSummary(store, kb, range), before);
    assert.deepEqual(await insightsGaps(store, kb, range), gapsBefore);
    assert.equal(before.diagnoses.total, 4);
    assert.equal(before.searches.noResultRate, 0.5);
    assert.equal(before.searches.noClickRate, 0, 'each search with results led to a view');
    assert.equal(gapsBefore[0]!.count, 2);
  });

  it('deletes events past their retention only after their day is counted, and counts past theirs', async () => {
    const short = new EventStore(database, {
      now: () => new Date(time),
      flushMs: 0,
      retention: { eventDays: 2, dailyDays: 5 },
    });
    short.record(diagnoseEvent({ outcome: 'cause', cause: 'token-expired' }));
    time += 3 * 3_600_000;
    short.record(diagnoseEvent({ outcome: 'cause', cause: 'token-expired' }));
    await short.flush();
    time += 3 * DAY - 3 * 3_600_000;
    const first = await short.maintain();
    assert.equal(first.deleted, 2, 'events hours apart, deleted an hour at a time');
    assert.equal((await rows('SELECT count(*) AS n FROM events'))[0]!.n, 0);
    assert.equal((await insightsSummary(short, kb, { from: today, to: today + 3 })).diagnoses.total, 2);
    time += 3 * DAY;
    await short.maintain();
    assert.equal((await insightsSummary(short, kb, { from: today, to: today + 6 })).diagnoses.total, 0);
    assert.equal((await rows('SELECT count(*) AS n FROM daily WHERE day = ' + today))[0]!.n, 0);
  });

  it('marks a signature settled when fixpath names a cause for it after failing to, and open again if it fails again', async () => {
    const gap = signature('bbbbbbbbbbbbbbbb');
    store.record(diagnoseEvent({ outcome: 'abstained', signature: gap, nearest: 'token-expired' }));
    await store.flush();
    time += 60_000;
    store.record(diagnoseEvent({ outcome: 'cause', cause: 'new-cause', signature: gap }));
    await store.flush();
    const settled = (await rows('SELECT settled_at, nearest FROM signatures'))[0]!;
    assert.equal(settled.settled_at, Math.floor(time / 60_000));
    assert.equal(settled.nearest, 'token-expired');
    time += 60_000;
    store.record(diagnoseEvent({ outcome: 'abstained', signature: gap }));
    await store.flush();
    assert.equal((await rows('SELECT settled_at FROM signatures'))[0]!.settled_at, null);
  });

  it('counts confirmed and assumed resolutions, hand-offs, and the median time to a fix', async () => {
    const chat = (session: string, fields: Partial<InsightEvent>) =>
      store.record({ type: 'chat', channel: 'chat', audience: 'public', session, ...fields });
    chat('conversation-1', { outcome: 'cause', cause: 'token-expired', steps: 2 });
    chat('conversation-2', { outcome: 'cause', cause: 'token-expired', steps: 2 });
    chat('conversation-3', { outcome: 'cause', cause: 'token-expired', steps: 2 });
    chat('conversation-4', { outcome: 'cause', cause: 'token-expired', steps: 2 });
    time += 4 * 60_000;
    store.record({
      type: 'resolution',
      channel: 'chat',
      audience: 'public',
      session: 'conversation-1',
      outcome: 'confirmed',
      cause: 'token-expired',
    });
    time += 6 * 60_000;
    store.record({
      type: 'resolution',
      channel: 'chat',
      audience: 'public',
      session: 'conversation-2',
      outcome: 'confirmed',
      cause: 'token-expired',
    });
    store.record({
      type: 'handoff',
      channel: 'chat',
      audience: 'public',
      session: 'conversation-3',
      cause: 'token-expired',
    });
    const range = { from: today, to: today };
    const early = await insightsSummary(store, kb, range);
    assert.equal(early.resolutions.assumed, 0, 'conversation 4 may still be going on');
    time += 31 * 60_000;
    const summary = await insightsSummary(store, kb, range);
    assert.deepEqual(summary.resolutions, { confirmed: 2, assumed: 1 });
    assert.equal(summary.handoffs, 1);
    assert.equal(summary.selfServiceRatio, 0.75);
    const cause = summary.causes.find((found) => found.id === 'token-expired')!;
    assert.equal(cause.count, 4);
    assert.equal(cause.confirmedShare, 0.5);
    assert.equal(cause.handoffRate, 0.25);
    assert.equal(cause.medianMinutesToFix, 7, 'fixes after 4 and 10 minutes');
  });

  it('keeps facts only: an event is numbers, but for the causes list and the opt-in excerpt', async () => {
    const columns = await rows('PRAGMA table_info(events)');
    assert.deepEqual(
      columns.filter((column) => column.type !== 'INTEGER').map((column) => column.name),
      ['causes', 'excerpt'],
      'causes is "names id:percent" pairs; the excerpt is filled only with ANALYTICS_EXCERPTS=on, redacted',
    );
  });

  it('reads back as words through events_as_text, with the same codes the code uses', async () => {
    const table = await rows('SELECT kind, code, name FROM codes');
    for (const [kind, values] of Object.entries(CODES))
      for (const [name, code] of Object.entries(values))
        assert.ok(
          table.some((row) => row.kind === kind && row.code === code && row.name === name),
          `codes has ${kind} ${code} = ${name}`,
        );
    assert.equal(
      table.length,
      Object.values(CODES).reduce((sum, values) => sum + Object.keys(values).length, 0),
    );
    store.record(
      diagnoseEvent({
        outcome: 'cause',
        cause: 'token-expired',
        inputKind: 'error',
        signature: signature('dddddddddddddddd'),
        causes: [
          { id: 'token-expired', confidence: 0.82 },
          { id: 'clock-skew', confidence: 0.4 },
        ],
      }),
    );
    await store.flush();
    const [event] = await rows('SELECT * FROM events_as_text');
    assert.deepEqual(
      { ...event, id: undefined, session: undefined },
      {
        id: undefined,
        minute: Math.floor(start / 60_000),
        time: '2026-11-10 09:00:00',
        type: 'diagnose',
        channel: 'widget',
        audience: 'public',
        session: undefined,
        input_kind: 'error',
        signature: 'dddddddddddddddd',
        outcome: 'cause',
        cause: 'token-expired',
        nearest: null,
        confidence: 82,
        causes: `${(await rows("SELECT id FROM names WHERE name = 'clock-skew'"))[0]!.id}:40`,
        steps: null,
        article: null,
        results: null,
        elapsed: null,
        excerpt: null,
      },
    );
    assert.match(String(event!.session), /^[0-9a-f]{13}$/);
    assert.equal(Number(event!.id), Math.floor(start / 60_000) * 1_000_000, "the minute's first event");
  });
});

function readWal(): string {
  try {
    return readFileSync(join(directory, 'fixpath.db-wal')).toString('latin1');
  } catch {
    return '';
  }
}
