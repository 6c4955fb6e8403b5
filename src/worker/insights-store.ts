import type { AnalyticsConfig } from '../config/analytics.ts';
import type { InsightsSetting } from '../http/insights-routes.ts';
import { EventStore } from '../insights/event-store.ts';
import { type D1Database_, D1SqlDatabase } from './d1-database.ts';

/** Why nothing is kept when the Worker has no database: /healthz and the insights routes say it. */
export const NO_BINDING = 'no D1 binding DB';

/**
 * The event store on Workers, once per isolate: the D1 binding `DB`, written only when the
 * entry flushes (after each request, in `waitUntil`), so no write is on a request's path. A batch
 * that fails is dropped and reported through `onError`, never thrown at a request.
 */
export function openInsights(
  binding: D1Database_ | undefined,
  analytics: AnalyticsConfig,
  onError: (error: unknown, lost: number) => void,
): InsightsSetting {
  if (!analytics.enabled) return { off: 'ANALYTICS=off' };
  if (!binding) return { off: NO_BINDING };
  const store = new EventStore(new D1SqlDatabase(binding), {
    flushMs: 0,
    batchSize: analytics.batchSize,
    retention: { eventDays: analytics.eventDays, dailyDays: analytics.dailyDays },
    onError,
  });
  return { store, excerpts: analytics.excerpts };
}
