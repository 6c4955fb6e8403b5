import { resolve } from 'node:path';
import type { AnalyticsConfig } from '../config/analytics.ts';
import type { InsightsSetting } from '../http/insights-routes.ts';
import { EventStore } from '../insights/event-store.ts';
import { log } from './log.ts';
import { SqliteDatabase } from './sqlite-database.ts';

/** How often finished days are rolled up and expired events deleted. */
const MAINTAIN_EVERY_MS = 60 * 60 * 1000;

export interface LocalEventStore {
  insights: InsightsSetting;
  /** The store itself (null with ANALYTICS=off). */
  store: EventStore | null;
  database: SqliteDatabase | null;
  /** Stop the upkeep, write what is waiting, close the database. */
  close: () => Promise<void>;
}

/**
 * The event store this process owns: DATA_DIR/fixpath.db opened and migrated, rolled up and
 * expired every hour. The single Node process owns it; in a cluster the primary does, and the
 * workers reach it through the primary.
 */
export function openLocalEventStore(analytics: AnalyticsConfig, migrationsDir: string): LocalEventStore {
  if (!analytics.enabled) {
    log({ level: 'info', event: 'analytics', off: true, message: 'ANALYTICS=off: nothing about traffic is kept' });
    return { insights: { off: 'ANALYTICS=off' }, store: null, database: null, close: async () => {} };
  }
  const { database, applied } = SqliteDatabase.open(resolve(analytics.dataDir), migrationsDir);
  const store = new EventStore(database, {
    retention: { eventDays: analytics.eventDays, dailyDays: analytics.dailyDays },
    batchSize: analytics.batchSize,
    flushMs: analytics.flushMs,
    onError: (error, lost) =>
      log({
        level: 'error',
        event: 'analytics-write-failed',
        lost,
        message: error instanceof Error ? error.message : String(error),
      }),
  });
  log({
    level: 'info',
    event: 'analytics',
    database: database.path,
    migrationsApplied: applied,
    excerpts: analytics.excerpts,
    retentionDays: { events: analytics.eventDays, daily: analytics.dailyDays },
  });
  const maintain = (): void =>
    void store
      .maintain()
      .then((done) => (done.rolledUp || done.deleted) && log({ level: 'info', event: 'analytics-maintained', ...done }))
      .catch((error: unknown) => log({ level: 'error', event: 'analytics-maintain-failed', message: String(error) }));
  maintain();
  const maintenance = setInterval(maintain, MAINTAIN_EVERY_MS);
  maintenance.unref();
  return {
    insights: { store, excerpts: analytics.excerpts },
    store,
    database,
    close: async () => {
      clearInterval(maintenance);
      const written = await store.flush();
      log({ level: 'info', event: 'analytics-flushed', events: written });
      database.close();
    },
  };
}
