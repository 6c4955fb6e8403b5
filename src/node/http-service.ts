import * as nodeCrypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Config } from '../config/parse-config.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { createApp } from '../http/app.ts';
import { createVerifier } from '../http/auth.ts';
import type { InsightsSetting } from '../http/insights-routes.ts';
import { eventLogHooks } from '../http/log-events.ts';
import type { RateLimitStore } from '../http/security.ts';
import { formatProblem } from '../kb/knowledge-base.ts';
import type { Library } from '../kb/library.ts';
import { searchArticles } from '../kb/search-articles.ts';
import { ArticleWatcher } from './article-watcher.ts';
import { buildWebAssets } from './build-web.ts';
import { closeGracefully } from './graceful-shutdown.ts';
import { lingeringResponse } from './lingering-response.ts';
import { log, logRequest } from './log.ts';
import { readIncomingBody } from './read-incoming-body.ts';
import { type LibraryFile, openLibraryFile } from './read-library.ts';

/** How often Node checks the head and request timeouts (its default, 30 s, would let them overrun by that much). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The bundled browser code from `npm run build`; built on the spot when missing. */
async function readWebAssets(): Promise<{ widget: string; console: string }> {
  try {
    return JSON.parse(await readFile(resolve('dist', 'web.json'), 'utf8')) as { widget: string; console: string };
  } catch {
    return buildWebAssets();
  }
}

const { createHash } = nodeCrypto;
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** SHA-256 with Node's synchronous hash: the same keys as Web Crypto, without a thread hop. */
function sha256(parts: Array<string | Uint8Array>): string {
  // The one-shot hash (Node 20.12+) is cheaper per request than a Hash object.
  if (oneShotHash && parts.every((part) => typeof part === 'string'))
    return oneShotHash('sha256', `${parts.join('\0')}\0`);
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part).update('\0');
  return hasher.digest('hex');
}

export interface HttpServiceDeps {
  /** The event store (this process's, or a cluster worker's line to the primary's), or why there is none. */
  insights: InsightsSetting;
  /** Where rate-limit budgets are kept: this process's memory unless a cluster shares them. */
  rateLimitStore?: RateLimitStore;
  /** The server listens at `url`, serving `library` from `articlesDir`. */
  listening: (where: { url: string; articlesDir: string }, library: Library) => void;
}

export interface HttpService {
  /** Stop accepting, answer what is in flight (see graceful-shutdown.ts), stop watching the articles. */
  stop: () => Promise<{ cut: boolean }>;
}

/** The prebuilt library, or nothing when there is none or it cannot be read (the articles are then built at start). */
function prebuiltLibrary(file: string | null): LibraryFile | { problem: string } | undefined {
  if (!file) return undefined;
  try {
    return openLibraryFile(file);
  } catch (error) {
    return { problem: String(error) };
  }
}

/**
 * One diagnosis and one search before the port opens, on a made-up report: the engine's code is
 * compiled then, so the first customer's answer costs what every other one does.
 */
function warmUp(library: Library): void {
  const report = 'After the deploy every call fails with 401 invalid_token: the access token expired at 10:02.';
  diagnose({ text: report }, { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: true });
  searchArticles(library, 'token expired', 10, { includeInternal: true });
}

/**
 * The HTTP server of one process: the articles folder read and watched, the app, Node's server
 * with its timeouts and lingering close, listening on the configured port (in a cluster worker,
 * the port every worker shares).
 */
export async function startHttpService(config: Config, deps: HttpServiceDeps): Promise<HttpService> {
  const { server, limits, auth, widgetOrigins, proxy } = config;
  const { host } = server;
  const articlesDir = resolve(config.articlesDir);
  const opening = performance.now();
  const watcher = await ArticleWatcher.open(articlesDir, prebuiltLibrary(config.libraryFile));
  log({
    level: 'info',
    event: 'articles-opened',
    prebuilt: watcher.opened.prebuilt,
    files: watcher.opened.files,
    reused: watcher.opened.reused,
    articles: watcher.current().kb.articles.length,
    ms: Math.round(performance.now() - opening),
  });
  const reportProblems = (): void => {
    for (const problem of watcher.current().kb.problems)
      log({
        level: problem.severity === 'error' ? 'error' : 'warn',
        event: 'article-problem',
        message: formatProblem(problem),
      });
  };
  reportProblems();
  warmUp(watcher.current());
  watcher.start({
    reloaded: (library, changed) => {
      log({ level: 'info', event: 'articles-reloaded', changed, articles: library.kb.articles.length });
      reportProblems();
    },
    failed: (error) => log({ level: 'error', event: 'articles-reload-failed', message: String(error) }),
  });

  const app = createApp({
    insights: deps.insights,
    library: () => watcher.current(),
    limits,
    digest: sha256,
    readBody: readIncomingBody,
    verifier: createVerifier(auth),
    widgetOrigins,
    peerAddress: (c) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress,
    proxy,
    ...(deps.rateLimitStore ? { rateLimitStore: deps.rateLimitStore } : {}),
    assets: await readWebAssets(),
    log: logRequest,
    ...eventLogHooks(log),
  });
  let closing = false;
  const http = createServer(
    {
      maxHeaderSize: server.maxHeaderBytes,
      headersTimeout: server.headersTimeoutMs,
      requestTimeout: server.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      ServerResponse: lingeringResponse({
        closing: () => closing,
        drainBytes: server.refusedBodyDrainBytes,
        drainMs: server.refusedBodyDrainMs,
      }),
    },
    getRequestListener(app.fetch, { hostname: host }),
  );
  await new Promise<void>((listened, failed) => {
    http.once('error', failed);
    http.listen(server.port, host, () => {
      http.off('error', failed);
      listened();
    });
  });
  const { port } = http.address() as { port: number };
  deps.listening({ url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, articlesDir }, watcher.current());

  return {
    stop: () => {
      closing = true;
      watcher.stop();
      return closeGracefully(http, { deadlineMs: server.shutdownTimeoutMs, idleGraceMs: server.shutdownIdleGraceMs });
    },
  };
}
