import type { Hono } from 'hono';
import data from '../dist/library.json';
import webJson from '../dist/web.json';
import { parseConfig } from './config/parse-config.ts';
import type { AppEnv } from './http/access.ts';
import { type AccessLogEntry, createApp } from './http/app.ts';
import { createVerifier } from './http/auth.ts';
import { eventLogHooks } from './http/log-events.ts';
import { type LibraryData, loadLibrary } from './kb/library-data.ts';
import { BindingRateLimits, type RateLimitBinding } from './worker/binding-rate-limits.ts';
import { cached, type EdgeCacheOptions } from './worker/edge-cache.ts';

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

let app: Hono<AppEnv> | null = null;
let startupProblem: string | null = null;
const library = data as unknown as LibraryData;
const cacheOptions: EdgeCacheOptions = { version: library.builtAt, maxAgeSeconds: EDGE_CACHE_SECONDS };

/** Built once per isolate, on the first request: the index is parsed from the bundled data. */
function appFor(env: Env): Hono<AppEnv> | null {
  if (app || startupProblem) return app;
  try {
    // Vars and secrets (wrangler.toml [vars], `wrangler secret put`); local mode only with LOCAL_MODE (wrangler dev).
    const { limits, auth, widgetOrigins, proxy } = parseConfig(env, 'worker');
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
    });
  } catch (error) {
    startupProblem = error instanceof Error ? error.message : String(error);
    log({ level: 'error', event: 'start-failed', message: startupProblem });
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
    return cached(
      request,
      caches.default,
      cacheOptions,
      async () => ready.fetch(request, env, context),
      (work) => context.waitUntil(work),
    );
  },
} satisfies ExportedHandler<Env>;
