import { serve } from '@hono/node-server';
import type { Context } from 'hono';
import * as nodeCrypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildWebAssets } from './node/build-web.ts';
import { createApp, type AccessLogEntry } from './http/app.ts';
import { createVerifier, readAuthConfig } from './http/auth.ts';
import { readLimits } from './http/config.ts';
import { readWidgetOrigins } from './http/security.ts';
import { readBodyBytes, tooLarge } from './http/read-body.ts';
import { formatProblem } from './kb/knowledge-base.ts';
import { ArticleWatcher } from './node/article-watcher.ts';

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';
/** Largest request head (request line and headers); Node answers 431 beyond it. */
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/**
 * One JSON object per line on stdout: what an operator's log pipeline expects. Lines written
 * during one turn of the event loop leave in one write, so logging does not cost a system call
 * per request.
 */
const LOG_FLUSH_MS = 50;
let pendingLines: string[] = [];
function log(event: Record<string, unknown>): void {
  queueLine(JSON.stringify({ time: isoNow(), ...event }));
}
function queueLine(line: string): void {
  if (pendingLines.length === 0) setTimeout(flushLog, LOG_FLUSH_MS).unref();
  pendingLines.push(`${line}\n`);
}
/**
 * The access log line, one per request, written field by field: building and serialising a
 * merged object for it cost more than a cached search answer's own work.
 */
function logRequest(entry: AccessLogEntry): void {
  queueLine(
    `{"time":"${isoNow()}","level":"info","event":"request","requestId":${JSON.stringify(entry.requestId)},"method":${JSON.stringify(entry.method)},"route":${JSON.stringify(entry.route)},"status":${entry.status},"durationMs":${entry.durationMs}}`,
  );
}
let clockMs = 0;
let clockText = '';
/** The time in ISO 8601, formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== clockMs) {
    clockMs = now;
    clockText = new Date(now).toISOString();
  }
  return clockText;
}
function flushLog(): void {
  if (pendingLines.length === 0) return;
  const lines = pendingLines;
  pendingLines = [];
  process.stdout.write(lines.join(''));
}

/**
 * Read a body straight from Node's IncomingMessage, stopping at the limit. Going through the
 * Web Request's stream costs about ten times more CPU per request on Node 20.
 */
function readIncomingBody(c: Context, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableEnded) return readBodyBytes(c.req.raw, maxBytes);
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        incoming.off('data', onData);
        incoming.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => {
      const body = Buffer.concat(chunks, size);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>);
    });
    incoming.once('error', reject);
  });
}

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
  if (oneShotHash && parts.every((part) => typeof part === 'string')) return oneShotHash('sha256', `${parts.join('\0')}\0`);
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part).update('\0');
  return hasher.digest('hex');
}

async function main(): Promise<void> {
  const env = process.env;
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number (0-65535), not "${env.PORT}"`);
  const host = env.HOST || DEFAULT_HOST;
  const articlesDir = resolve(env.ARTICLES_DIR || 'articles');
  const limits = readLimits(env);
  const auth = readAuthConfig(env, host);
  const widgetOrigins = readWidgetOrigins(env.WIDGET_ORIGINS);
  const maxHeaderBytes = env.MAX_HEADER_BYTES ? Number(env.MAX_HEADER_BYTES) : DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < 1024) throw new Error(`MAX_HEADER_BYTES must be a whole number of at least 1024, not "${env.MAX_HEADER_BYTES}"`);
  if (auth.mode === 'local') {
    log({ level: 'warn', event: 'local-mode', message: `no agent sign-in configured: every caller on ${host} is treated as a support agent and sees internal articles. Set AUTH_JWT_SECRET or AUTH_JWKS_URL with AUTH_ISSUER and AUTH_AUDIENCE to require sign-in.` });
  } else {
    log({ level: 'info', event: 'agent-sign-in', mode: auth.mode, issuer: auth.issuer, audience: auth.audience, role: auth.role ?? null });
  }

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
    digest: sha256,
    readBody: readIncomingBody,
    verifier: createVerifier(auth),
    widgetOrigins,
    clientId: (c) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? 'unknown',
    assets: await readWebAssets(),
    onFeedback: (event) => log({ level: 'info', event: 'feedback', ...event }),
    log: logRequest,
    onUnexpectedError: (error, requestId) => log({ level: 'error', event: 'unexpected-error', requestId, message: error instanceof Error ? error.message : String(error) }),
  });
  const server = serve({ fetch: app.fetch, port, hostname: host, serverOptions: { maxHeaderSize: maxHeaderBytes } }, (info) => {
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
