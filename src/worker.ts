import type { Hono } from 'hono';
import data from '../dist/library.json';
import web from '../dist/web.json';
import type { AppEnv } from './http/access.ts';
import { createApp } from './http/app.ts';
import { createVerifier, readAuthConfig } from './http/auth.ts';
import { readLimits } from './http/config.ts';
import { readWidgetOrigins } from './http/security.ts';
import { loadLibrary, type LibraryData } from './kb/library-data.ts';

/** Worker vars and secrets (wrangler.toml [vars], `wrangler secret put`); all strings. */
type Env = Record<string, string | undefined>;

/**
 * Requests bodies on Workers are capped by the plan (100 MB on most), and an isolate has 128 MB
 * of memory: a capture is held as bytes, text and parsed tree at once, so the default upload
 * limit here is far lower than on Node. Agents sanitize and trim larger captures first.
 */
const WORKER_DEFAULTS: Env = { MAX_UPLOAD_MB: '20' };

let app: Hono<AppEnv> | null = null;
let startupProblem: string | null = null;

/** Built once per isolate, on the first request: the index is parsed from the bundled data. */
function appFor(env: Env): Hono<AppEnv> | null {
  if (app || startupProblem) return app;
  try {
    const settings = { ...WORKER_DEFAULTS, ...env };
    const library = loadLibrary(data as unknown as LibraryData);
    // Local mode only when asked for explicitly (wrangler dev): a deployed Worker is public.
    const auth = readAuthConfig(settings, settings.LOCAL_MODE === 'true' ? '127.0.0.1' : 'workers.dev');
    app = createApp({ library: () => library, limits: readLimits(settings), verifier: createVerifier(auth), widgetOrigins: readWidgetOrigins(settings.WIDGET_ORIGINS), assets: web });
  } catch (error) {
    startupProblem = error instanceof Error ? error.message : String(error);
  }
  return app;
}

export default {
  fetch(request: Request, env: Env, context: unknown): Response | Promise<Response> {
    const ready = appFor(env);
    if (!ready) {
      return Response.json(
        { type: '/docs#problem-misconfigured', title: 'fixpath is not configured', status: 503, detail: startupProblem },
        { status: 503, headers: { 'content-type': 'application/problem+json' } },
      );
    }
    return ready.fetch(request, env, context as never);
  },
};
