import * as nodeCrypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { parseConfig } from './config/parse-config.ts';
import { createApp } from './http/app.ts';
import { createVerifier } from './http/auth.ts';
import type { InsightsSetting } from './http/insights-routes.ts';
import { eventLogHooks } from './http/log-events.ts';
import { EventStore } from './insights/event-store.ts';
import { formatProblem } from './kb/knowledge-base.ts';
import { ArticleWatcher } from './node/article-watcher.ts';
import { buildWebAssets } from './node/build-web.ts';
import { closeGracefully } from './node/graceful-shutdown.ts';
import { lingeringResponse } from './node/lingering-response.ts';
import { flushLog, log, logRequest } from './node/log.ts';
import { readIncomingBody } from './node/read-incoming-body.ts';
import { SqliteDatabase } from './node/sqlite-database.ts';

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

/** The schema's migrations: `migrations/` beside `src/` (development) and beside `dist/` (built). */
const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');
/** How often finished days are rolled up and expired events deleted. */
const MAINTAIN_EVERY_MS = 60 * 60 * 1000;

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

async function main(): Promise<void> {
  const { server, limits, auth, widgetOrigins, proxy, analytics, ...config } = parseConfig(process.env, 'node');
  const { host } = server;
  const articlesDir = resolve(config.articlesDir);
  if (auth.mode === 'local') {
    log({
      level: 'warn',
      event: 'local-mode',
      message: `no agent sign-in configured: every caller on ${host} is treated as a support agent and sees internal articles. Set AUTH_JWT_SECRET or AUTH_JWKS_URL with AUTH_ISSUER and AUTH_AUDIENCE to require sign-in.`,
    });
  } else {
    log({
      level: 'info',
      event: 'agent-sign-in',
      mode: auth.mode,
      issuer: auth.issuer,
      audience: auth.audience,
      role: auth.role ?? null,
    });
  }

  const watcher = await ArticleWatcher.open(articlesDir);
  const reportProblems = (): void => {
    for (const problem of watcher.current().kb.problems)
      log({
        level: problem.severity === 'error' ? 'error' : 'warn',
        event: 'article-problem',
        message: formatProblem(problem),
      });
  };
  reportProblems();
  watcher.start({
    reloaded: (library, changed) => {
      log({ level: 'info', event: 'articles-reloaded', changed, articles: library.kb.articles.length });
      reportProblems();
    },
    failed: (error) => log({ level: 'error', event: 'articles-reload-failed', message: String(error) }),
  });

  let insights: InsightsSetting = { off: 'ANALYTICS=off' };
  let database: SqliteDatabase | null = null;
  let maintenance: ReturnType<typeof setInterval> | undefined;
  if (analytics.enabled) {
    const opened = SqliteDatabase.open(resolve(analytics.dataDir), MIGRATIONS_DIR);
    database = opened.database;
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
    insights = { store, excerpts: analytics.excerpts };
    log({
      level: 'info',
      event: 'analytics',
      database: opened.database.path,
      migrationsApplied: opened.applied,
      excerpts: analytics.excerpts,
      retentionDays: { events: analytics.eventDays, daily: analytics.dailyDays },
    });
    const maintain = (): void =>
      void store
        .maintain()
        .then(
          (done) => (done.rolledUp || done.deleted) && log({ level: 'info', event: 'analytics-maintained', ...done }),
        )
        .catch((error: unknown) => log({ level: 'error', event: 'analytics-maintain-failed', message: String(error) }));
    maintain();
    maintenance = setInterval(maintain, MAINTAIN_EVERY_MS);
    maintenance.unref();
  } else {
    log({ level: 'info', event: 'analytics', off: true, message: 'ANALYTICS=off: nothing about traffic is kept' });
  }

  const app = createApp({
    insights,
    library: () => watcher.current(),
    limits,
    digest: sha256,
    readBody: readIncomingBody,
    verifier: createVerifier(auth),
    widgetOrigins,
    peerAddress: (c) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress,
    proxy,
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
  http.listen(server.port, host, () => {
    const { kb } = watcher.current();
    const { port } = http.address() as { port: number };
    log({
      level: 'info',
      event: 'listening',
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      articles: kb.articles.length,
      causes: kb.causes.length,
      articlesDir,
    });
  });

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    const started = performance.now();
    log({ level: 'info', event: 'shutting-down', signal, deadlineMs: server.shutdownTimeoutMs });
    flushLog();
    watcher.stop();
    const { cut } = await closeGracefully(http, {
      deadlineMs: server.shutdownTimeoutMs,
      idleGraceMs: server.shutdownIdleGraceMs,
    });
    // Every answered request's events are written before the process ends.
    if ('store' in insights) {
      clearInterval(maintenance);
      const written = await insights.store.flush();
      log({ level: 'info', event: 'analytics-flushed', events: written });
      database?.close();
    }
    log({
      level: cut ? 'warn' : 'info',
      event: 'stopped',
      cutConnections: cut,
      durationMs: Math.round(performance.now() - started),
    });
    flushLog();
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  log({ level: 'error', event: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  flushLog();
  process.exit(1);
});
