import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '../src/insights/event-store.ts';
import { dayOf, MINUTES_PER_DAY, minuteOf } from '../src/insights/events.ts';
import { SqliteDatabase } from '../src/node/sqlite-database.ts';
import { median, ROOT } from './insights-server.ts';
import type { TrafficModel } from './insights-traffic.ts';

/**
 * Issue 14's second target, its data: a year of traffic written day by day through the real
 * event store (its own statements, its session hashing, its batches), each finished day then
 * rolled up and expired by the real `maintain()` at 01:00 the next day, as the server's hourly
 * maintenance would. Only the clock is injected.
 */

export const MIGRATIONS_DIR = join(ROOT, 'migrations');
/** Events per transaction while generating: larger than the server's 500, for speed; the statements are the same. */
const GENERATION_BATCH = 5_000;
/** The minute of the next day at which that day's maintenance runs. */
const MAINTAIN_AT_MINUTE = 60;

export interface YearOptions {
  dataDir: string;
  days: number;
  perDay: number;
  model: TrafficModel;
}

export interface YearResult {
  generationMs: number;
  /** Time to roll up and expire one finished day (what counting a full day of raw events costs). */
  maintainMs: { median: number; max: number };
  events: number;
  votes: number;
  /** Events generated for today, up to the current minute. */
  todayEvents: number;
  /** The most fixpath.db and its write-ahead log held on disk together, checked after each day's maintenance. */
  peakBytes: number;
}

/**
 * Node's Web Crypto digest goes through the thread pool, ~30 µs a hash: with it, writing a
 * generated day took about four times as long (measured on the store's first version). The
 * bench swaps in the same SHA-256 computed in-thread; the hashes are identical.
 */
function hashInThread(): void {
  Object.defineProperty(globalThis.crypto.subtle, 'digest', {
    configurable: true,
    value: async (_algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> => {
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      const digest = createHash('sha256').update(bytes).digest();
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
    },
  });
}

export async function generateYear(options: YearOptions): Promise<YearResult> {
  hashInThread();
  rmSync(options.dataDir, { recursive: true, force: true });
  const { database } = SqliteDatabase.open(options.dataDir, MIGRATIONS_DIR);
  let clock = 0;
  const store = new EventStore(database, {
    now: () => new Date(clock * 60_000),
    batchSize: GENERATION_BATCH,
    flushMs: 0,
    onError: (error) => {
      throw error;
    },
  });
  const nowMinute = minuteOf(new Date());
  const today = dayOf(nowMinute);
  const started = performance.now();
  const maintainMs: number[] = [];
  let events = 0;
  let votes = 0;
  let todayEvents = 0;
  let peakBytes = 0;
  for (let day = today - options.days + 1; day <= today; day += 1) {
    const actions = options.model.day(day, options.perDay, day === today ? nowMinute : undefined);
    for (const action of actions) {
      clock = action.minute;
      if (action.kind === 'event') store.record(action.event);
      else store.vote(action.vote);
    }
    await store.flush();
    events += actions.filter((action) => action.kind === 'event').length;
    votes += actions.filter((action) => action.kind === 'vote').length;
    if (day === today) {
      todayEvents = actions.length;
      break;
    }
    clock = (day + 1) * MINUTES_PER_DAY + MAINTAIN_AT_MINUTE;
    const maintainStarted = performance.now();
    await store.maintain();
    maintainMs.push(performance.now() - maintainStarted);
    peakBytes = Math.max(peakBytes, databaseBytes(options.dataDir));
    const done = day - (today - options.days);
    if (done % 30 === 0)
      console.log(
        `  ${done}/${options.days} days, ${((performance.now() - started) / 1000).toFixed(0)} s, ${formatBytes(databaseBytes(options.dataDir))}`,
      );
  }
  clock = nowMinute;
  await store.maintain();
  database.close();
  return {
    generationMs: performance.now() - started,
    maintainMs: { median: median(maintainMs), max: Math.max(...maintainMs) },
    events,
    votes,
    todayEvents,
    peakBytes,
  };
}

/** fixpath.db and its write-ahead log, as the disk holds them. */
export function databaseBytes(dataDir: string): number {
  const size = (name: string) => (existsSync(join(dataDir, name)) ? statSync(join(dataDir, name)).size : 0);
  return size('fixpath.db') + size('fixpath.db-wal');
}

export interface DatabaseShape {
  fileBytes: number;
  walBytes: number;
  freePages: number;
  pageSize: number;
  rows: Record<string, number>;
  /** Bytes of each table and index (SQLite's dbstat). */
  objects: Array<{ name: string; bytes: number }>;
}

export function databaseShape(dataDir: string): DatabaseShape {
  const database = new SqliteDatabase(join(dataDir, 'fixpath.db'));
  try {
    const value = (sql: string) => Object.values(database.db.prepare(sql).get() as Record<string, number>)[0]!;
    const rows: Record<string, number> = {};
    const tables = database.db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    for (const { name } of tables) rows[name] = value(`SELECT count(*) FROM "${name}"`);
    const objects = (
      database.db
        .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
        .all() as Array<{
        name: string;
        bytes: number;
      }>
    ).map((row) => ({ name: row.name, bytes: row.bytes }));
    return {
      fileBytes: statSync(join(dataDir, 'fixpath.db')).size,
      walBytes: existsSync(join(dataDir, 'fixpath.db-wal')) ? statSync(join(dataDir, 'fixpath.db-wal')).size : 0,
      freePages: value('PRAGMA freelist_count'),
      pageSize: value('PRAGMA page_size'),
      rows,
      objects,
    };
  } finally {
    database.close();
  }
}

/** `PRAGMA wal_checkpoint(TRUNCATE)`: the log folded into the file and emptied. */
export function checkpoint(dataDir: string): void {
  const database = new SqliteDatabase(join(dataDir, 'fixpath.db'));
  database.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  database.close();
}

/** VACUUM (the file rewritten without its free pages), then a checkpoint; returns how long it took. */
export function vacuum(dataDir: string): number {
  const started = performance.now();
  const database = new SqliteDatabase(join(dataDir, 'fixpath.db'));
  database.db.exec('VACUUM');
  database.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  database.close();
  return performance.now() - started;
}

export const formatBytes = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
