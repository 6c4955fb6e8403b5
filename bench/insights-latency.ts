import { join } from 'node:path';
import { EventStore } from '../src/insights/event-store.ts';
import { dayOf, isoDay, MINUTES_PER_DAY, minuteOf } from '../src/insights/events.ts';
import { type DayRange, insightsGaps, insightsSummary } from '../src/insights/insights.ts';
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../src/insights/sql-database.ts';
import type { Library } from '../src/kb/library.ts';
import { SqliteDatabase } from '../src/node/sqlite-database.ts';
import { median, p95, startServer, stopServer } from './insights-server.ts';

/**
 * Issue 14's second target, its measure: the insights API answered by the real server over the
 * generated database, timed over HTTP; then the same reads in-process with every query timed,
 * so a slow answer names the query that made it slow. The store remembers the sums of rolled-up
 * days until the next roll-up, so a read is timed twice: repeated (the sums remembered), and
 * the first of its kind after the server starts (what the first reader after a roll-up waits).
 */

const WARM_UP_REQUESTS = 2;
const TIMED_REQUESTS = 20;
/** Fresh servers for the first-read timings: each gives one sample of each read. */
const FIRST_READ_STARTS = 5;

export interface InsightsRead {
  name: string;
  /** The span asked for, in days ending today. */
  days: number;
  read: 'summary' | 'gaps';
}

export const INSIGHTS_READS: InsightsRead[] = [
  { name: 'summary, 7 days', days: 7, read: 'summary' },
  { name: 'summary, 30 days', days: 30, read: 'summary' },
  { name: 'summary, 90 days', days: 90, read: 'summary' },
  { name: 'summary, 365 days', days: 365, read: 'summary' },
  { name: 'gaps, 30 days', days: 30, read: 'gaps' },
];

export interface ReadTiming {
  name: string;
  /** Repeated reads: median and p95 of TIMED_REQUESTS after WARM_UP_REQUESTS. */
  median: number;
  p95: number;
  /** The first read of its kind on a fresh server (after one read of another span warmed the code): median and worst of FIRST_READ_STARTS. */
  firstMedian: number;
  firstMax: number;
  bytes: number;
}

const spanOf = (days: number): DayRange => {
  const today = dayOf(minuteOf(new Date()));
  return { from: today - days + 1, to: today };
};

const urlOf = (base: string, read: InsightsRead): string => {
  const span = spanOf(read.days);
  return `${base}/v1/insights/${read.read}?from=${isoDay(span.from)}&to=${isoDay(span.to)}`;
};

/** One read over HTTP: its time in ms and its size. */
async function timeRead(url: string, name: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`insights bench: ${name} answered ${response.status}: ${new TextDecoder().decode(body)}`);
  return { ms, bytes: body.byteLength };
}

/** Each read over HTTP against the real server on this data folder, repeated and first after a start. */
export async function timeInsightsOverHttp(dataDir: string): Promise<{ timings: ReadTiming[]; diagnoses: number }> {
  const env = { ANALYTICS: 'on', DATA_DIR: dataDir };
  const first = INSIGHTS_READS.map((): number[] => []);
  for (let start = 0; start < FIRST_READ_STARTS; start += 1) {
    const server = await startServer(env);
    try {
      // A two-day summary first: the code is compiled, and no read timed below has its sums remembered.
      await timeRead(urlOf(server.url, { name: 'warm-up', days: 2, read: 'summary' }), 'warm-up');
      for (const [index, read] of INSIGHTS_READS.entries())
        first[index]!.push((await timeRead(urlOf(server.url, read), read.name)).ms);
    } finally {
      await stopServer(server);
    }
  }
  const server = await startServer(env);
  try {
    const timings: ReadTiming[] = [];
    for (const [index, read] of INSIGHTS_READS.entries()) {
      const samples: number[] = [];
      let bytes = 0;
      for (let request = 0; request < WARM_UP_REQUESTS + TIMED_REQUESTS; request += 1) {
        const timed = await timeRead(urlOf(server.url, read), read.name);
        if (request >= WARM_UP_REQUESTS) samples.push(timed.ms);
        bytes = timed.bytes;
      }
      timings.push({
        name: read.name,
        median: median(samples),
        p95: p95(samples),
        firstMedian: median(first[index]!),
        firstMax: Math.max(...first[index]!),
        bytes,
      });
    }
    const year = (await (await fetch(urlOf(server.url, INSIGHTS_READS[3]!))).json()) as {
      diagnoses: { total: number };
    };
    return { timings, diagnoses: year.diagnoses.total };
  } finally {
    await stopServer(server);
  }
}

/** A database that times each read, with the rows it returned. */
class TimedDatabase implements SqlDatabase {
  calls: Array<{ sql: string; ms: number; rows: number }> = [];

  constructor(private readonly inner: SqlDatabase) {}

  batch(statements: SqlStatement[]): Promise<void> {
    return this.inner.batch(statements);
  }

  async all<T extends SqlRow = SqlRow>(sql: string, params?: SqlValue[]): Promise<T[]> {
    // node:sqlite answers before the promise is returned: timing the call alone keeps reads run side by side apart.
    const started = performance.now();
    const answer = this.inner.all<T>(sql, params);
    const ms = performance.now() - started;
    const rows = await answer;
    this.calls.push({ sql, ms, rows: rows.length });
    return rows;
  }
}

export interface ReadProfile {
  name: string;
  totalMs: number;
  /** Time inside SQLite, rows turned into objects included; the rest is the insights code. */
  sqlMs: number;
  slowest: Array<{ sql: string; ms: number; rows: number }>;
}

/**
 * Each read in-process, with its three slowest queries; then one whole day counted raw. Each is
 * run once unrecorded (compiling the code), then timed on a store of its own, which has
 * remembered no sums: the first read after a roll-up.
 */
export async function profileInsights(dataDir: string, library: Library): Promise<ReadProfile[]> {
  const database = new SqliteDatabase(join(dataDir, 'fixpath.db'));
  const timed = new TimedDatabase(database);
  const freshStore = () => new EventStore(timed, { flushMs: 0 });
  const store = freshStore();
  const profiles: ReadProfile[] = [];
  try {
    for (const read of INSIGHTS_READS) {
      const run = (on: EventStore) =>
        read.read === 'summary'
          ? insightsSummary(on, library.kb, spanOf(read.days))
          : insightsGaps(on, library.kb, spanOf(read.days));
      await run(freshStore());
      const measured = freshStore();
      timed.calls = [];
      const started = performance.now();
      await run(measured);
      const totalMs = performance.now() - started;
      const calls = timed.calls;
      profiles.push({
        name: read.name,
        totalMs,
        sqlMs: calls.reduce((sum, call) => sum + call.ms, 0),
        slowest: slowestOf(calls),
      });
    }
    // Today is counted from its raw events: just before midnight, that is a whole day of them.
    const yesterday = dayOf(minuteOf(new Date())) - 1;
    timed.calls = [];
    const started = performance.now();
    await store.aggregateEvents(yesterday * MINUTES_PER_DAY, (yesterday + 1) * MINUTES_PER_DAY);
    const calls = timed.calls;
    profiles.push({
      name: 'a whole day of raw events counted (today, just before midnight)',
      totalMs: performance.now() - started,
      sqlMs: calls.reduce((sum, call) => sum + call.ms, 0),
      slowest: slowestOf(calls),
    });
  } finally {
    database.close();
  }
  return profiles;
}

const slowestOf = (calls: TimedDatabase['calls']): ReadProfile['slowest'] =>
  [...calls]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((call) => ({ ...call, sql: call.sql.replace(/\s+/g, ' ').trim() }));
