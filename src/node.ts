import { serve } from '@hono/node-server';
import { resolve } from 'node:path';
import { createApp } from './http/app.ts';
import { readLimits } from './http/config.ts';
import { formatProblem } from './kb/knowledge-base.ts';
import { ArticleWatcher } from './node/article-watcher.ts';

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';

/**
 * One JSON object per line on stdout: what an operator's log pipeline expects. Lines written
 * during one turn of the event loop leave in one write, so logging does not cost a system call
 * per request.
 */
let pendingLines: string[] = [];
function log(event: Record<string, unknown>): void {
  if (pendingLines.length === 0) setImmediate(flushLog);
  pendingLines.push(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}
function flushLog(): void {
  const lines = pendingLines;
  pendingLines = [];
  process.stdout.write(lines.join(''));
}

async function main(): Promise<void> {
  const env = process.env;
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number (0-65535), not "${env.PORT}"`);
  const host = env.HOST || DEFAULT_HOST;
  const articlesDir = resolve(env.ARTICLES_DIR || 'articles');
  const limits = readLimits(env);

  const watcher = await ArticleWatcher.open(articlesDir);
  const reportProblems = (): void => {
    for (const problem of watcher.current().kb.problems) log({ level: problem.severity === 'error' ? 'error' : 'warn', event: 'article-problem', message: formatProblem(problem) });
  };
  reportProblems();
  watcher.start({
    reloaded: (library, changed) => {
      log({ level: 'info', event: 'articles-reloaded', changed, articles: library.kb.articles.length });
      reportProblems();
    },
    failed: (error) => log({ level: 'error', event: 'articles-reload-failed', message: String(error) }),
  });

  const app = createApp({
    library: () => watcher.current(),
    limits,
    log: (entry) => log({ level: 'info', event: 'request', ...entry }),
    onUnexpectedError: (error, requestId) => log({ level: 'error', event: 'unexpected-error', requestId, message: error instanceof Error ? error.message : String(error) }),
  });
  const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
    const { kb } = watcher.current();
    log({ level: 'info', event: 'listening', url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`, articles: kb.articles.length, causes: kb.causes.length, articlesDir });
  });
  const shutdown = (): void => {
    watcher.stop();
    server.close(() => {
      flushLog();
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  log({ level: 'error', event: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  flushLog();
  process.exit(1);
});
