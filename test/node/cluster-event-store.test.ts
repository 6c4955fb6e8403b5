import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EventStore } from '../../src/insights/event-store.ts';
import { dayOf, type InsightEvent, minuteOf } from '../../src/insights/events.ts';
import {
  EVENT_BATCH_MS,
  ForwardedEventStore,
  MAX_EVENTS_PER_MESSAGE,
} from '../../src/node/cluster/forwarded-event-store.ts';
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage } from '../../src/node/cluster/messages.ts';
import { PrimaryLink } from '../../src/node/cluster/primary-link.ts';
import { SharedServices } from '../../src/node/cluster/shared-services.ts';
import { SqliteDatabase } from '../../src/node/sqlite-database.ts';
import { ROOT } from '../support/server.ts';

/**
 * Two workers' event stores against one primary, wired as the cluster wires them but in one
 * process: each worker's messages reach the primary's SharedServices a turn later, and its
 * answers come back the same way, as over Node's IPC channel.
 */
const MIGRATIONS = join(ROOT, 'migrations');
const DAY = 86_400_000;
const retention = { eventDays: 90, dailyDays: 396 };

/** The cluster's channels, one per worker: each message arrives a turn after it was sent. */
class Channels {
  readonly ports = new Map<number, WorkerPort>();
  services: SharedServices | undefined;
  /** Workers whose messages are held back (a worker busy with one long request). */
  readonly stalled = new Set<number>();

  ids = (): number[] => [...this.ports.keys()];
  send = (id: number, message: PrimaryMessage): void => {
    setImmediate(() => this.ports.get(id)?.emit('message', message));
  };
}

class WorkerPort extends EventEmitter {
  /** Messages on their way, delivered in order as a channel delivers them. */
  private readonly inFlight: Array<() => void> = [];

  constructor(
    private readonly id: number,
    private readonly channels: Channels,
  ) {
    super();
    channels.ports.set(id, this);
  }
  send = (message: WorkerMessage, callback: (error: Error | null) => void): boolean => {
    assert.ok(isWorkerMessage(message));
    this.inFlight.push(() => {
      this.channels.services!.heard(this.id, message, (answer) => this.channels.send(this.id, answer));
      callback(null);
    });
    if (this.inFlight.length === 1) setImmediate(this.deliver);
    return true;
  };
  private readonly deliver = (): void => {
    if (this.channels.stalled.has(this.id)) {
      setTimeout(this.deliver, 10);
      return;
    }
    while (this.inFlight.length > 0) this.inFlight.shift()!();
  };
}

const diagnosis = (cause: string, session: string): InsightEvent => ({
  type: 'diagnose',
  channel: 'widget',
  audience: 'public',
  session,
  outcome: 'cause',
  cause,
  causes: [{ id: cause, confidence: 0.9 }],
  steps: 2,
});

let directory: string;
let database: SqliteDatabase;
let time: number;
let primary: EventStore;
let workers: [ForwardedEventStore, ForwardedEventStore];
let channels: Channels;
/** How long a read waits for the workers' queued events here. */
const GATHER_MS = 200;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'fixpath-cluster-store-'));
  database = SqliteDatabase.open(directory, MIGRATIONS).database;
  time = Date.parse('2026-11-10T09:00:00Z');
  const now = () => new Date(time);
  // A long flush interval: only a read (or the end) writes what the primary holds.
  primary = new EventStore(database, { now, retention, flushMs: 600_000 });
  channels = new Channels();
  channels.services = new SharedServices({ store: primary, database }, channels, undefined, GATHER_MS);
  let ids = 0;
  const worker = () => new ForwardedEventStore(new PrimaryLink(new WorkerPort(++ids, channels)), { retention, now });
  workers = [worker(), worker()];
});
afterEach(async () => {
  await primary.flush();
  database.close();
  rmSync(directory, { recursive: true, force: true });
});

const today = () => dayOf(minuteOf(new Date(time)));
const totals = async (reader: EventStore, from = today(), to = today()): Promise<Record<string, number>> => {
  const [rows = []] = await reader.counts(from, to, [{ metrics: ['event', 'cause'], perDay: false }]);
  // Rolled-up days come summed, the days counted from the events one row each: add them up.
  const sums: Record<string, number> = {};
  for (const row of rows) sums[`${row.metric}:${row.key}`] = (sums[`${row.metric}:${row.key}`] ?? 0) + row.count;
  return sums;
};

describe("a cluster's event store: the primary writes, every worker reads the same", () => {
  it('counts the events both workers recorded, whichever worker reads, before the primary has written them', async () => {
    const [first, second] = workers;
    first.record(diagnosis('token-expired', 'visit-aaaa-0001'));
    second.record(diagnosis('token-expired', 'visit-bbbb-0002'));
    second.record(diagnosis('clock-skew', 'visit-bbbb-0002'));
    second.vote({
      channel: 'widget',
      audience: 'public',
      session: 'visit-bbbb-0002',
      helpful: true,
      cause: 'clock-skew',
    });
    for (const reader of workers)
      assert.deepEqual(await totals(reader), {
        'event:diagnose': 3,
        'cause:token-expired': 2,
        'cause:clock-skew': 1,
      });
    const [{ n }] = (await database.all('SELECT count(*) AS n FROM feedback')) as [{ n: number }];
    assert.equal(n, 1);
  });

  it('exports and deletes a visit through one worker that another worker recorded (one salt, kept in the database)', async () => {
    const [first, second] = workers;
    first.record(diagnosis('token-expired', 'visit-cccc-0003'));
    second.record(diagnosis('clock-skew', 'visit-cccc-0003'));
    assert.equal((await second.exportSession('visit-cccc-0003')).events.length, 2);
    assert.deepEqual(await first.deleteSession('visit-cccc-0003'), { events: 2, feedback: 0 });
    assert.equal((await second.exportSession('visit-cccc-0003')).events.length, 0);
  });

  it("remembers no sums the primary's roll-up has made stale", async () => {
    const [first, second] = workers;
    const day = today();
    first.record(diagnosis('token-expired', 'visit-dddd-0004'));
    second.record(diagnosis('token-expired', 'visit-eeee-0005'));
    // The primary stamps an event when it arrives: let these arrive before the clock moves on.
    await second.flush();
    // Next day: the worker reads the span while yesterday is not rolled up yet…
    time += DAY;
    second.record(diagnosis('clock-skew', 'visit-eeee-0005'));
    const before = await totals(first, day, day + 1);
    assert.equal(before['event:diagnose'], 3);
    // …then the primary (alone) rolls it up, and the worker's next read counts it from the daily counts.
    assert.equal((await primary.maintain()).rolledUp, 1);
    assert.deepEqual(await totals(first, day, day + 1), before);
    assert.deepEqual(await totals(second, day, day), { 'event:diagnose': 2, 'cause:token-expired': 2 });
    await assert.rejects(first.maintain(), /maintained by the cluster primary/);
  });

  it(`gathers the workers' queued events for a read, waiting at most ${GATHER_MS} ms here for a busy worker`, async () => {
    const [first, second] = workers;
    first.record(diagnosis('token-expired', 'visit-ffff-0006'));
    channels.stalled.add(1);
    second.record(diagnosis('clock-skew', 'visit-gggg-0007'));
    const started = performance.now();
    assert.deepEqual(
      await totals(second),
      { 'event:diagnose': 1, 'cause:clock-skew': 1 },
      'the busy worker is not waited for',
    );
    const waited = performance.now() - started;
    assert.ok(waited >= GATHER_MS - 5 && waited < GATHER_MS + 500, `the read waited ${Math.round(waited)} ms`);
    channels.stalled.delete(1);
    assert.equal((await totals(second))['event:diagnose'], 2, 'the next read counts them');
  });
});

describe("a worker's queue of events", () => {
  it(`leaves ${EVENT_BATCH_MS} ms after its first event, or at once when it reaches ${MAX_EVENTS_PER_MESSAGE} events`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const sent: WorkerMessage[] = [];
    const port = Object.assign(new EventEmitter(), {
      send: (message: WorkerMessage, callback: (error: Error | null) => void) => {
        sent.push(message);
        callback(null);
        return true;
      },
    });
    const store = new ForwardedEventStore(new PrimaryLink(port), { retention });
    for (let index = 0; index < MAX_EVENTS_PER_MESSAGE - 1; index += 1) store.record(diagnosis('clock-skew', 'visit'));
    assert.equal(sent.length, 0, 'one short of the limit: still queued');
    assert.equal(store.unflushed, MAX_EVENTS_PER_MESSAGE - 1);
    store.vote({ channel: 'widget', audience: 'public', session: 'visit', helpful: true, cause: 'clock-skew' });
    assert.equal(sent.length, 1, 'at the limit: sent at once');
    assert.equal((sent[0] as { events: unknown[] }).events.length, MAX_EVENTS_PER_MESSAGE);
    store.record(diagnosis('clock-skew', 'visit'));
    t.mock.timers.tick(EVENT_BATCH_MS - 1);
    store.record(diagnosis('clock-skew', 'visit'));
    assert.equal(sent.length, 1, 'still gathering');
    t.mock.timers.tick(1);
    assert.deepEqual(
      sent.map((message) => (message as { events: unknown[] }).events.length),
      [MAX_EVENTS_PER_MESSAGE, 2],
      'the rest together, once the first has waited its time',
    );
  });
});
