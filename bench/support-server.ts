import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Servers for benchmarks: started as child processes, found by the URL they log when they
 * listen, and measured from outside through /proc (CPU and memory of the server's own process
 * tree, so nothing the benchmark client does is counted).
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Server {
  url: string;
  child: ChildProcess;
  /** What it printed before it listened. */
  startLog: string;
}

export interface StartOptions {
  /** Node's arguments: a built entry (`dist/server.js`) or `--import tsx` and a source file. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** A large knowledge base is built from Markdown before the server listens. */
  timeoutMs?: number;
}

/** Start a server on an ephemeral port and wait for its `listening` log line. */
export async function startServer(options: StartOptions): Promise<Server> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd ?? ROOT,
    // One process unless a bench asks for more: its figures are one server's, comparable with earlier runs.
    env: { ...process.env, PORT: '0', WORKERS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let startLog = '';
  const url = await new Promise<string>((done, fail) => {
    let buffer = '';
    const name = options.args.at(-1);
    const timer = setTimeout(() => fail(new Error(`${name} did not start`)), options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code} before listening`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(buffer);
      if (match) {
        startLog = buffer;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        done(match[1]!);
      }
    });
  });
  return { url, child, startLog };
}

/** A source entry of this project run through tsx, as `npm run dev` does. */
export const startSourceServer = (entry: string, env: Record<string, string> = {}): Promise<Server> =>
  startServer({ args: ['--import', 'tsx', join(ROOT, entry)], env });

/** SIGTERM, then wait for the process to exit (a server flushes its event store first). */
export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((done) => server.child.once('exit', () => done()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface ProcessStat {
  pid: number;
  parent: number;
  cpuMs: number;
}

/** One process's parent and CPU time; null when it is gone. */
async function readStat(pid: number): Promise<ProcessStat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, parent: Number(fields[1]), cpuMs: (ticks * 1000) / ticksPerSecond() };
  } catch {
    return null;
  }
}

/** A process and every process below it (a clustered server's workers). */
async function processTree(root: number): Promise<ProcessStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = (await Promise.all(pids.map(readStat))).filter((stat): stat is ProcessStat => stat !== null);
  const tree = stats.filter((stat) => stat.pid === root);
  for (let index = 0; index < tree.length; index += 1)
    tree.push(...stats.filter((stat) => stat.parent === tree[index]!.pid));
  return tree;
}

/** User plus system CPU time used so far by a server's process tree, in milliseconds. */
export async function treeCpuMs(pid: number): Promise<number> {
  return (await processTree(pid)).reduce((sum, stat) => sum + stat.cpuMs, 0);
}

/** Resident memory of a process tree, now (VmRSS) and at its peak (VmHWM), in MiB; each process's peak is summed. */
export async function treeMemoryMb(pid: number): Promise<{ rss: number; peak: number; processes: number }> {
  const tree = await processTree(pid);
  let rss = 0;
  let peak = 0;
  for (const { pid: member } of tree) {
    const status = await readFile(`/proc/${member}/status`, 'utf8').catch(() => '');
    rss += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
    peak += Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
  }
  return { rss, peak, processes: tree.length };
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
