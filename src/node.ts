import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthConfig } from './config/auth.ts';
import { type Config, parseConfig } from './config/parse-config.ts';
import { isOurWorker, runPrimary } from './node/cluster/primary.ts';
import { runWorker } from './node/cluster/worker.ts';
import { startHttpService } from './node/http-service.ts';
import { openLocalEventStore } from './node/local-event-store.ts';
import { flushLog, flushLogAndWait, log } from './node/log.ts';

/** This file: what each cluster worker runs (src/node.ts in development, dist/server.js when built). */
const ENTRY = fileURLToPath(import.meta.url);
/** The schema's migrations: `migrations/` beside `src/` (development) and beside `dist/` (built). */
const MIGRATIONS_DIR = resolve(dirname(ENTRY), '..', 'migrations');

function logSignIn(auth: AuthConfig, host: string): void {
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
}

/** WORKERS=1: one process serves, owning its rate limits and event store. */
async function runSingle(config: Config): Promise<void> {
  const { server } = config;
  const events = openLocalEventStore(config.analytics, MIGRATIONS_DIR);
  const service = await startHttpService(config, {
    insights: events.insights,
    listening: ({ url, articlesDir }, { kb }) =>
      log({
        level: 'info',
        event: 'listening',
        url,
        articles: kb.articles.length,
        causes: kb.causes.length,
        articlesDir,
      }),
  });

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    const started = performance.now();
    log({ level: 'info', event: 'shutting-down', signal, deadlineMs: server.shutdownTimeoutMs });
    flushLog();
    const { cut } = await service.stop();
    // Every answered request's events are written before the process ends.
    await events.close();
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

async function main(): Promise<void> {
  const config = parseConfig(process.env, 'node', { cpus: availableParallelism() });
  if (isOurWorker()) return runWorker(config);
  logSignIn(config.auth, config.server.host);
  if (config.server.workers === 1) return runSingle(config);
  if (cluster.isWorker) {
    // Another supervisor's cluster (pm2) already runs one of these per core.
    log({
      level: 'warn',
      event: 'workers-ignored',
      message: `WORKERS=${config.server.workers} is ignored: this process is a worker of another cluster (pm2?), so it serves as one process`,
    });
    return runSingle(config);
  }
  runPrimary(config, { entry: ENTRY, migrationsDir: MIGRATIONS_DIR });
}

main().catch(async (error: unknown) => {
  log({ level: 'error', event: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  await flushLogAndWait();
  process.exit(1);
});
