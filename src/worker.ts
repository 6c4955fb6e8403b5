import type { Hono } from 'hono';
import data from '../dist/library.json';
import webJson from '../dist/web.json';
import { type Config, parseConfig } from './config/parse-config.ts';
import type { AppEnv } from './http/access.ts';
import { type AccessLogEntry, createApp } from './http/app.ts';
import { createVerifier } from './http/auth.ts';
import type { InsightsSetting } from './http/insights-routes.ts';
import { eventLogHooks } from './http/log-events.ts';
import type { EventStore } from './insights/event-store.ts';
import { type LibraryData, loadLibrary } from './kb/library-data.ts';
import { BindingRateLimits, type RateLimitBinding } from './worker/binding-rate-limits.ts';
import { cached, type EdgeCacheOptions } from './worker/edge-cache.ts';
import { openInsights } from './worker/insights-store.ts';

/** How long the data centre's cache keeps a public search or article answer. */
const EDGE_CACHE_SECONDS = 300;

/**
 * One JSON object per line on the console: Workers Logs (`[observability]` in wrangler.toml)
 * keeps them with their fields searchable, and `wrangler tail` shows them live. The same events
 * as the Node server's log; never a body, a header or a query string.
 */
function log(entry: Record<string, unknown>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), ...entry });
  if (entry.level === 'error') console.error(line);
  else console.log(line);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const storeOf = (insights: InsightsSetting | undefined): EventStore | null =>
  insights && 'store' in insights ? insights.store : null;

let settings: { config: Config; insights: InsightsSetting } | null = null;
let app: Hono<AppEnv> | null = null;
let startupProblem: string | null = null;
const library = data as unknown as LibraryData;
const cacheOptions: EdgeCacheOptions = { version: library.builtAt, maxAgeSeconds: EDGE_CACHE_SECONDS };

function failedToStart(error: unknown): null {
  startupProblem = messageOf(error);
  log({ level: 'error', event: 'start-failed', message: startupProblem });
  return null;
}

/**
 * The settings and the event store, made once per isolate, on its first request or cron run.
 * Vars and secrets come from wrangler.toml [vars] and `wrangler secret put`; local mode only
 * with LOCAL_MODE (wrangler dev). The store is the D1 binding DB, when there is one.
 */
function settingsFor(env: Env): typeof settings {
  if (settings || startupProblem) return settings;
  try {
    const config = parseConfig(env, 'worker');
    const insights = openInsights(env.DB, config.analytics, (error, lost) =>
      log({ level: 'error', event: 'analytics-write-failed', lost, message: messageOf(error) }),
    );
    settings = { config, insights };
  } catch (error) {
    return failedToStart(error);
  }
  return settings;
}

/** Built once per isolate, on the first request: the index is parsed from the bundled data. */
function appFor(env: Env): Hono<AppEnv> | null {
  if (app || startupProblem) return app;
  const ready = settingsFor(env);
  if (!ready) return null;
  try {
    const { limits, auth, widgetOrigins, proxy } = ready.config;
    const loaded = loadLibrary(library);
    const bindings = env as unknown as Partial<Record<'RATE_LIMITER' | 'UPLOAD_RATE_LIMITER', RateLimitBinding>>;
    app = createApp({
      library: () => loaded,
      limits,
      verifier: createVerifier(auth),
      widgetOrigins,
      proxy,
      // Without the bindings (a Worker deployed with an older wrangler.toml) each isolate keeps its own budgets.
      ...(bindings.RATE_LIMITER
        ? {
            rateLimitStore: new BindingRateLimits({
              requests: bindings.RATE_LIMITER,
              uploads: bindings.UPLOAD_RATE_LIMITER,
            }),
          }
        : {}),
      assets: webJson as { widget: string; console: string },
      insights: ready.insights,
      log: (entry: AccessLogEntry) => log({ level: 'info', event: 'request', ...entry }),
      ...eventLogHooks(log),
    });
    log({
      level: 'info',
      event: 'started',
      articles: loaded.kb.articles.length,
      causes: loaded.kb.causes.length,
      mode: auth.mode,
      builtAt: library.builtAt,
      analytics: 'store' in ready.insights ? 'on' : ready.insights.off,
    });
  } catch (error) {
    return failedToStart(error);
  }
  return app;
}

export default {
  async fetch(request: Request, env: Env, context: ExecutionContext): Promise<Response> {
    const ready = appFor(env);
    if (!ready) {
      return Response.json(
        {
          type: new URL('/docs#problem-misconfigured', request.url).href,
          title: 'fixpath is not configured',
          status: 503,
          detail: startupProblem,
        },
        { status: 503, headers: { 'content-type': 'application/problem+json' } },
      );
    }
    const response = await cached(
      request,
      caches.default,
      cacheOptions,
      async () => ready.fetch(request, env, context),
      (work) => context.waitUntil(work),
    );
    // What the request recorded is written after the answer, one batch per request. A read the
    // edge cache answered never reached the app, so it recorded nothing (a cached search is not counted).
    const store = storeOf(settings?.insights);
    if (store?.unflushed) context.waitUntil(store.flush());
    return response;
  },

  /** The cron trigger ([triggers] in wrangler.toml): roll up finished days, delete what has expired. */
  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    const ready = settingsFor(env);
    if (!ready) return;
    const { insights } = ready;
    if (!('store' in insights)) {
      log({ level: 'info', event: 'analytics-maintain-skipped', cron: controller.cron, reason: insights.off });
      return;
    }
    const started = Date.now();
    try {
      const done = await insights.store.maintain();
      log({
        level: 'info',
        event: 'analytics-maintained',
        cron: controller.cron,
        ...done,
        durationMs: Date.now() - started,
      });
    } catch (error) {
      log({ level: 'error', event: 'analytics-maintain-failed', cron: controller.cron, message: messageOf(error) });
    }
  },
} satisfies ExportedHandler<Env>;
