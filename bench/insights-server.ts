import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Linux's USER_HZ: /proc reports CPU time in these ticks (`getconf CLK_TCK`; 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;
const START_TIMEOUT_MS = 60_000;

/** Servers still running: stopped if the bench ends early, so none is left holding a port and a core. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Lines the server logged that were not the listening line (analytics, maintenance, errors). */
  logLines: string[];
}

/** The real Node entry (src/node.ts) on a free port, with the given settings; resolves once it listens. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'node.ts')], {
    cwd: ROOT,
    // One process: the CPU read from /proc is this process's alone.
    env: { ...process.env, PORT: '0', WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const logLines: string[] = [];
  const url = await new Promise<string>((done, fail) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error('src/node.ts did not start')), START_TIMEOUT_MS);
    child.once('exit', (code) => fail(new Error(`src/node.ts exited with ${code} before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
  });
  // Keep reading the log, so a full pipe never blocks the server, and keep what it said.
  let rest = '';
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() && logLines.length < 1_000) logLines.push(line);
  });
  return { url, child, logLines };
}

export async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((done) => server.child.once('exit', done));
  server.child.kill('SIGTERM');
  await exited;
}

/** User plus system CPU time a process has used so far, all its threads included, in milliseconds. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The value below which 95% of the samples fall (nearest rank). */
export const p95 = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(values.length * 0.95) - 1)]!;
