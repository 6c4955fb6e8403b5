import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ANALYTICS, readAnalyticsConfig } from '../../src/config/analytics.ts';
import { ConfigError } from '../../src/config/limits.ts';
import { parseConfig } from '../../src/config/parse-config.ts';

describe('analytics settings', () => {
  it('are on by default, keep no excerpts, and keep events 90 days and daily counts 13 months', () => {
    assert.deepEqual(parseConfig({}, 'node').analytics, DEFAULT_ANALYTICS);
    assert.equal(DEFAULT_ANALYTICS.enabled, true);
    assert.equal(DEFAULT_ANALYTICS.excerpts, false);
    assert.equal(DEFAULT_ANALYTICS.dataDir, 'data');
    assert.equal(DEFAULT_ANALYTICS.eventDays, 90);
    assert.equal(DEFAULT_ANALYTICS.dailyDays, 396);
  });

  it('read every setting', () => {
    assert.deepEqual(
      readAnalyticsConfig({
        ANALYTICS: 'off',
        ANALYTICS_EXCERPTS: 'on',
        DATA_DIR: '/var/lib/fixpath',
        RETENTION_EVENT_DAYS: '30',
        RETENTION_DAILY_DAYS: '30',
        ANALYTICS_BATCH: '1',
        ANALYTICS_FLUSH_MS: '1',
      }),
      {
        enabled: false,
        excerpts: true,
        dataDir: '/var/lib/fixpath',
        eventDays: 30,
        dailyDays: 30,
        batchSize: 1,
        flushMs: 1,
      },
    );
  });

  it('take retention up to ten years and refuse a day more, naming the setting', () => {
    assert.equal(readAnalyticsConfig({ RETENTION_EVENT_DAYS: '3650', RETENTION_DAILY_DAYS: '3650' }).dailyDays, 3650);
    assert.throws(
      () => readAnalyticsConfig({ RETENTION_DAILY_DAYS: '3651' }),
      /RETENTION_DAILY_DAYS must be at most 3650 days/,
    );
    assert.throws(
      () => readAnalyticsConfig({ RETENTION_EVENT_DAYS: '0' }),
      /RETENTION_EVENT_DAYS must be a whole number of at least 1/,
    );
  });

  it('refuse daily counts kept for less time than the events they are made from', () => {
    assert.throws(
      () => readAnalyticsConfig({ RETENTION_EVENT_DAYS: '100', RETENTION_DAILY_DAYS: '99' }),
      (error: unknown) =>
        error instanceof ConfigError && /must not be shorter than RETENTION_EVENT_DAYS/.test(error.message),
    );
  });

  it('refuse a switch that is neither on nor off, and a batch or interval under 1', () => {
    assert.throws(() => readAnalyticsConfig({ ANALYTICS: 'maybe' }), /ANALYTICS must be "on" or "off", not "maybe"/);
    assert.throws(() => readAnalyticsConfig({ ANALYTICS_BATCH: '0' }), /ANALYTICS_BATCH/);
    assert.throws(() => readAnalyticsConfig({ ANALYTICS_FLUSH_MS: '0' }), /ANALYTICS_FLUSH_MS/);
    assert.throws(() => parseConfig({ ANALYTICS: 'maybe', PORT: 'x' }, 'node'), /PORT.*; ANALYTICS must be/);
  });
});
