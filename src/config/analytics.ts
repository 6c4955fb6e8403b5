import { ConfigError, readWholeNumber } from './limits.ts';

/**
 * What the event store keeps and for how long (see the README's privacy section). Analytics
 * are on by default: facts only, no text, no addresses; `ANALYTICS=off` keeps nothing.
 */
export interface AnalyticsConfig {
  /** ANALYTICS: `on` (default) or `off`. */
  enabled: boolean;
  /** DATA_DIR: where the Node server keeps its database file (`fixpath.db`); default `./data`. */
  dataDir: string;
  /** ANALYTICS_EXCERPTS: `on` keeps a redacted excerpt of inputs fixpath could not settle; default `off`. */
  excerpts: boolean;
  /** RETENTION_EVENT_DAYS: days events and votes are kept (default 90). */
  eventDays: number;
  /** RETENTION_DAILY_DAYS: days the daily counts are kept (default 396, 13 months). */
  dailyDays: number;
  /** ANALYTICS_BATCH: events written in one transaction at most (default 500). */
  batchSize: number;
  /** ANALYTICS_FLUSH_MS: longest an event waits in memory before it is written (default 1000). */
  flushMs: number;
}

export const DEFAULT_ANALYTICS: AnalyticsConfig = {
  enabled: true,
  dataDir: 'data',
  excerpts: false,
  eventDays: 90,
  dailyDays: 396,
  batchSize: 500,
  flushMs: 1_000,
};

const MAX_RETENTION_DAYS = 3_650;

function onOff(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be "on" or "off", not "${raw.slice(0, 40)}"`);
}

export function readAnalyticsConfig(env: Record<string, string | undefined>): AnalyticsConfig {
  const config = { ...DEFAULT_ANALYTICS };
  const set = (variable: string, read: (raw: string) => void): void => {
    const raw = env[variable];
    if (raw !== undefined && raw !== '') read(raw);
  };
  set('ANALYTICS', (raw) => (config.enabled = onOff('ANALYTICS', raw)));
  set('ANALYTICS_EXCERPTS', (raw) => (config.excerpts = onOff('ANALYTICS_EXCERPTS', raw)));
  set('DATA_DIR', (raw) => (config.dataDir = raw));
  set('RETENTION_EVENT_DAYS', (raw) => (config.eventDays = readWholeNumber('RETENTION_EVENT_DAYS', raw, 1)));
  set('RETENTION_DAILY_DAYS', (raw) => (config.dailyDays = readWholeNumber('RETENTION_DAILY_DAYS', raw, 1)));
  set('ANALYTICS_BATCH', (raw) => (config.batchSize = readWholeNumber('ANALYTICS_BATCH', raw, 1)));
  set('ANALYTICS_FLUSH_MS', (raw) => (config.flushMs = readWholeNumber('ANALYTICS_FLUSH_MS', raw, 1)));
  for (const [name, days] of [
    ['RETENTION_EVENT_DAYS', config.eventDays],
    ['RETENTION_DAILY_DAYS', config.dailyDays],
  ] as const)
    if (days > MAX_RETENTION_DAYS)
      throw new ConfigError(`${name} must be at most ${MAX_RETENTION_DAYS} days, not ${days}`);
  if (config.dailyDays < config.eventDays)
    throw new ConfigError(
      `RETENTION_DAILY_DAYS (${config.dailyDays}) must not be shorter than RETENTION_EVENT_DAYS (${config.eventDays}): counts are made from the events`,
    );
  return config;
}
