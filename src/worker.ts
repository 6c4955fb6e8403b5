import type { Hono } from 'hono';
import data from '../dist/library.json';
import webJson from '../dist/web.json';
import type { AppEnv } from './http/access.ts';
import { createApp, type AccessLogEntry } from './http/app.ts';
import { createVerifier, readAuthConfig } from './http/auth.ts';
import { readLimits } from './http/config.ts';
import { readProxySettings } from './http/proxy.ts';
import { readWidgetOrigins } from './http/security.ts';
import { loadLibrary, type LibraryData } from './kb/library-data.ts';
import { BindingRateLimits, type RateLimitBinding } from './worker/binding-rate-limits.ts';
import { cached, type EdgeCacheOptions } from './worker/edge-cache.ts';

/**
 * The Worker's vars and secrets are strings (wrangler.toml [vars], `wrangler secret put`); the
 * bindings are the generated `Env` (`npm run types:worker`).
 */
type Settings = Record<string, string | undefined>;

/**
 * Requests bodies on Workers are capped by the plan (100 MB on most), and an isolate has 128 MB
 * of memory: a capture is held as bytes, text and parsed tree at once, so the default upload
 * limit here is far lower than on Node. Agents sanitize and trim larger captures first.
 */
const WORKER_DEFAULTS: Settings = { MAX_UPLOAD_MB: '20' };
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
const library = (data as unknown as LibraryData);
const cacheOptions: EdgeCacheOptions = { version: library.builtAt, maxAgeSeconds: EDGE_CACHE_SECONDS };

/** Built once per isolate, on the first request: the index is parsed from the bundled data. */
function appFor(env: Env): Hono<AppEnv> | null {
  if (app || startupProblem) return app;
  try {
    const settings: Settings = { ...WORKER_DEFAULTS, ...(env as unknown as Settings) };
    const loaded = loadLibrary(library);
    // Local mode only when asked for explicitly (wrangler dev): a deployed Worker is public.
    const auth = readAuthConfig(settings, settings.LOCAL_MODE === 'true' ? '127.0.0.1' : 'workers.dev');
    const bindings = env as unknown as Partial<Record<'RATE_LIMITER' | 'UPLOAD_RATE_LIMITER', RateLimitBinding>>;
    app = createApp({
      library: () => loaded,
      limits: readLimits(settings),
      verifier: createVerifier(auth),
      widgetOrigins: readWidgetOrigins(settings.WIDGET_ORIGINS),
      proxy: readProxySettings(settings),
      // Without the bindings (a Worker deployed with an older wrangler.toml) each isolate keeps its own budgets.
      ...(bindings.RATE_LIMITER ? { rateLimitStore: new BindingRateLimits({ requests: bindings.RATE_LIMITER, uploads: bindings.UPLOAD_RATE_LIMITER }) } : {}),
      assets: webJson as { widget: string; console: string },
      log: (entry: AccessLogEntry) => log({ level: 'info', event: 'request', ...entry }),
      onFeedback: (event) => log({ level: 'info', event: 'feedback', ...event }),
      onUnexpectedError: (error, requestId) => log({ level: 'error', event: 'unexpected-error', requestId, message: error instanceof Error ? error.message : String(error) }),
    });
    log({ level: 'info', event: 'started', articles: loaded.kb.articles.length, causes: loaded.kb.causes.length, mode: auth.mode, builtAt: library.builtAt });
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
        { type: new URL('/docs#problem-misconfigured', request.url).href, title: 'fixpath is not configured', status: 503, detail: startupProblem },
        { status: 503, headers: { 'content-type': 'application/problem+json' } },
      );
    }
    return cached(request, caches.default, cacheOptions, async () => ready.fetch(request, env, context), (work) => context.waitUntil(work));
  },
} satisfies ExportedHandler<Env>;
