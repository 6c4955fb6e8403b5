import { env as globalEnv } from 'cloudflare:workers';
import type { Hono } from 'hono';
import webJson from '../dist/web.json';
import { type Config, parseConfig } from './config/parse-config.ts';
import type { AppEnv } from './http/access.ts';
import { type AccessLogEntry, createApp } from './http/app.ts';
import { createVerifier } from './http/auth.ts';
import type { InsightsSetting } from './http/insights-routes.ts';
import { eventLogHooks } from './http/log-events.ts';
import { WARM_UP_ROUTES, WARM_UP_STEPS, warmUp } from './http/warm-up.ts';
import type { EventStore } from './insights/event-store.ts';
import type { Library } from './kb/library.ts';
import {
  ChunkedText,
  LIBRARY_MANIFEST,
  type LibraryManifest,
  libraryFromParts,
  loadLibrary,
} from './kb/library-data.ts';
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

/**
 * Started in the global scope, which workerd runs when it starts an isolate, before any request
 * and against the start-up limit rather than a request's CPU: the code a request runs is
 * compiled here, so the first request does not pay for it.
 */
const warmedUp = warmUp();
// The route requests settle before the global scope ends: what they wait for is never I/O.
void warmedUp.routes.then((routes) =>
  log({
    level: 'info',
    event: 'warmed-up',
    steps: `${warmedUp.steps} of ${WARM_UP_STEPS}`,
    routes: `${routes} of ${WARM_UP_ROUTES}`,
  }),
);

let settings: { config: Config; insights: InsightsSetting } | null = null;
let made: { fetch: Hono<AppEnv>['fetch']; mode: string } | null = null;
let library: Library | null = null;
let app: { fetch: Hono<AppEnv>['fetch']; cacheOptions: EdgeCacheOptions } | null = null;
let startupProblem: string | null = null;
let loading: Promise<Library> | null = null;

/** Where the Worker's static assets are asked for; the host is never contacted. */
const ASSET_ORIGIN = 'https://assets.invalid';

async function asset(env: Env, path: string): Promise<Response> {
  // A URL, not a Request: the runtime makes the request itself, without a JavaScript object per chunk.
  const response = await env.ASSETS.fetch(`${ASSET_ORIGIN}/${path}`);
  if (!response.ok)
    throw new Error(`static asset /${path}: ${response.status}; run \`npm run build:library\` and deploy again`);
  return response;
}

/**
 * The prebuilt library, read from the Worker's static assets (written by `npm run
 * build:library`) once per isolate, not imported into the script: the script stays small
 * whatever the number of articles, and its index arrays are used where they lie, not parsed.
 * The isolate reads the cause index and the articles' metadata; the cold part (the article
 * index, phrase groups, article text) is read in chunks as requests need it, the least
 * recently used dropped past `cacheBytes`. A failed read is tried again by the next request.
 */
function libraryFor(env: Env, cacheBytes: number): Promise<Library> {
  loading ??= (async () => {
    const manifest = (await (await asset(env, `library/${LIBRARY_MANIFEST}`)).json()) as LibraryManifest;
    const read = async (name: string) => new Uint8Array(await (await asset(env, `library/${name}`)).arrayBuffer());
    const parts = await Promise.all(manifest.parts.map((part) => read(part.name)));
    if (manifest.text.inParts) return loadLibrary(libraryFromParts(manifest, parts));
    // The cold part stays in the assets: each chunk is fetched when a request first needs it,
    // and kept up to LIBRARY_CACHE_MB.
    const text = new ChunkedText(manifest.text, read, cacheBytes);
    return loadLibrary(libraryFromParts(manifest, parts), text.read, text.pending);
  })().catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

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

/**
 * The app, made once per isolate: in the global scope when workerd offers the bindings there
 * (`env` from `cloudflare:workers`), so that the first request only reads the library; else on
 * the first request. It answers with the library the first request read (`appFor`).
 */
function makeApp(env: Env): typeof made {
  if (made || startupProblem) return made;
  const ready = settingsFor(env);
  if (!ready) return null;
  try {
    const { limits, auth, widgetOrigins, proxy } = ready.config;
    const bindings = env as unknown as Partial<Record<'RATE_LIMITER' | 'UPLOAD_RATE_LIMITER', RateLimitBinding>>;
    const hono = createApp({
      library: () => {
        if (!library) throw new Error('the knowledge base is read before the first request is answered');
        return library;
      },
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
    made = { fetch: hono.fetch, mode: auth.mode };
  } catch (error) {
    return failedToStart(error);
  }
  return made;
}

/** The app around the library read from the static assets: once per isolate, on its first request. */
async function appFor(env: Env): Promise<typeof app> {
  if (app || startupProblem) return app;
  const ready = makeApp(env);
  if (!ready || !settings) return null;
  let loaded: Library;
  try {
    loaded = await libraryFor(env, settings.config.limits.libraryCacheBytes);
  } catch (error) {
    // Not remembered as a start-up problem: the assets may be there on the next request.
    log({ level: 'error', event: 'library-load-failed', message: messageOf(error) });
    throw error;
  }
  if (app) return app;
  library = loaded;
  log({
    level: 'info',
    event: 'started',
    articles: loaded.kb.articles.length,
    causes: loaded.kb.causes.length,
    mode: ready.mode,
    builtAt: loaded.loadedAt.toISOString(),
    analytics: 'store' in settings.insights ? 'on' : settings.insights.off,
  });
  app = {
    fetch: ready.fetch,
    cacheOptions: { version: loaded.loadedAt.toISOString(), maxAgeSeconds: EDGE_CACHE_SECONDS },
  };
  return app;
}

// Reading the settings and making the app need no I/O: done at start-up, where workerd offers
// the bindings, rather than on the first request (whose CPU the Free plan holds to 10 ms).
if (globalEnv) makeApp(globalEnv);

function problem(request: Request, status: number, title: string, detail: string | null): Response {
  return Response.json(
    { type: new URL('/docs#problem-misconfigured', request.url).href, title, status, detail },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

export default {
  async fetch(request: Request, env: Env, context: ExecutionContext): Promise<Response> {
    let ready: typeof app;
    try {
      ready = await appFor(env);
    } catch (error) {
      return problem(request, 503, 'the knowledge base could not be loaded', messageOf(error));
    }
    if (!ready) return problem(request, 503, 'fixpath is not configured', startupProblem);
    const response = await cached(
      request,
      caches.default,
      ready.cacheOptions,
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
