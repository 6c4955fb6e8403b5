import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunningServer {
  url: string;
  /** What it wrote on stdout and stderr, one line per entry; read it with test/support/server-log.ts. */
  logs: string[];
  process: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Start the real Node entry (`src/node.ts`) on an ephemeral port and wait until it says where
 * it listens. Its JSON log lines are collected for assertions. It runs as one process
 * (WORKERS=1) unless the test asks for a cluster, so a test does not depend on the machine's cores.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  // Each server keeps its events in a folder of its own, removed when it stops, unless the test names one.
  const ownDataDir = env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'fixpath-data-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'node.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      WORKERS: '1',
      ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${logs.join('\n')}`)), 20_000);
    onLines(child.stdout!, (line) => {
      logs.push(line);
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && event.url) {
          clearTimeout(timer);
          resolveUrl(event.url);
        }
      } catch {
        // not a JSON line
      }
    });
    onLines(child.stderr!, (line) => logs.push(line));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    logs,
    process: child,
    stop: async () => {
      await stopProcess(child, () => child.kill('SIGTERM'));
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** Call `each` with every line the stream writes, whole however the pipe splits it. */
export function onLines(stream: Readable, each: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      each(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered) each(buffered);
  });
}

/** Ask a child process to end and wait until it has. */
export function stopProcess(child: ChildProcess, signal: () => void): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    signal();
  });
}

/** Poll until `check` passes or the time runs out; returns how long it took. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
