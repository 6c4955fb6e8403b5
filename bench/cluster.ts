import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SYMPTOMS } from './support-inputs.ts';

/**
 * `npm run bench:cluster`: uncached diagnose throughput (RESPONSE_CACHE_ENTRIES=0, so every
 * request is diagnosed) of one process (WORKERS=1) against a cluster (WORKERS=2 by default),
 * measured with autocannon as bench/http.ts measures: a warm-up second, then BENCH_SECONDS flat
 * out over BENCH_CONNECTIONS keep-alive connections, rounds alternating between the servers so
 * that drift in the machine's speed falls on both, the median round reported. The server's CPU
 * per request is read from /proc for the primary and every worker together, because the load
 * generator shares the machine's cores and req/s alone hides what the server spent; the load
 * generator's own CPU is shown beside it. Beside the cluster, two single servers that share
 * nothing, loaded at once, show what two processes can reach on this machine with this client:
 * the cluster's own cost is the distance to them.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CLUSTER_WORKERS = process.env.BENCH_WORKERS ?? '2';
/** Linux's USER_HZ: /proc reports CPU time in these ticks (`getconf CLK_TCK`; 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;
/** Longer than ANALYTICS_FLUSH_MS (1 s), so the round's last batch is written inside its CPU window. */
const SETTLE_MS = 1_500;
const START_TIMEOUT_MS = 60_000;

interface Server {
  name: string;
  /** WORKERS above 1: the process started is the cluster's primary. */
  clustered: boolean;
  url: string;
  child: ChildProcess;
  dataDir: string;
}

/** Servers still running: stopped if the bench ends early, so none is left holding a port and a core. */
const running = new Set<Server>();
process.on('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

async function start(name: string, env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fixpath-bench-cluster-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'node.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', RESPONSE_CACHE_ENTRIES: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start`)), START_TIMEOUT_MS);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code} before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        // Keep reading the log, so a full pipe never blocks the server.
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        done(match[1]!);
      }
    });
  });
  const server = { name, clustered: env.WORKERS !== '1', url, child, dataDir };
  running.add(server);
  return server;
}

async function stop(server: Server): Promise<void> {
  running.delete(server);
  if (server.child.exitCode === null) {
    const exited = new Promise((done) => server.child.once('exit', done));
    server.child.kill('SIGTERM');
    await exited;
  }
  rmSync(server.dataDir, { recursive: true, force: true });
}

/** User plus system CPU time a process has used so far, all its threads included, in milliseconds. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The process and all its descendants (a cluster's workers, tsx's esbuild service): ppid is field 4 of /proc/<pid>/stat. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index += 1)
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  return tree;
}

const treeCpuMs = (pids: number[]): number => pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);

interface Sample {
  rps: number;
  p99: number;
  /** The server's CPU (primary and workers) per request. */
  cpuMsPerRequest: number;
  /** Of which the cluster primary's (rate limits, the event store, the log), 0 for one process. */
  primaryCpuMsPerRequest: number;
  /** The load generator's CPU as a share of one core. */
  clientCores: number;
}

/** One thing measured: a server, or two servers side by side sharing nothing, each given half the connections. */
interface Setup {
  name: string;
  servers: Server[];
}

const diagnoseRequests = SYMPTOMS.map((text) => ({
  method: 'POST' as const,
  path: '/v1/diagnose',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ text }),
}));

async function measure(setup: Setup): Promise<Sample> {
  const loads = setup.servers.map(
    (server): autocannon.Options => ({
      url: server.url,
      connections: Math.max(1, Math.round(CONNECTIONS / setup.servers.length)),
      pipelining: 1,
      requests: diagnoseRequests,
    }),
  );
  const run = (duration: number) => Promise.all(loads.map((load) => autocannon({ ...load, duration })));
  // A short unrecorded run first, so the JIT has compiled the hot path before we measure.
  await run(1);
  await new Promise((settle) => setTimeout(settle, SETTLE_MS));
  const pids = setup.servers.flatMap((server) => processTree(server.child.pid!));
  const primaries = setup.servers.filter((server) => server.clustered).map((server) => server.child.pid!);
  const serverBefore = treeCpuMs(pids);
  const primaryBefore = treeCpuMs(primaries);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const results = await run(SECONDS);
  const client = process.cpuUsage(clientBefore);
  const elapsedMs = performance.now() - started;
  await new Promise((settle) => setTimeout(settle, SETTLE_MS));
  const serverMs = treeCpuMs(pids) - serverBefore;
  const primaryMs = treeCpuMs(primaries) - primaryBefore;
  const failed = results.reduce((sum, result) => sum + result.errors + result.non2xx, 0);
  if (failed > 0) throw new Error(`${setup.name}: ${failed} diagnose requests failed`);
  const requests = results.reduce((sum, result) => sum + result.requests.total, 0);
  return {
    rps: results.reduce((sum, result) => sum + result.requests.average, 0),
    p99: Math.max(...results.map((result) => result.latency.p99)),
    cpuMsPerRequest: serverMs / requests,
    primaryCpuMsPerRequest: primaryMs / requests,
    clientCores: (client.user + client.system) / 1000 / elapsedMs,
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(
  `uncached diagnose, ${ROUNDS} alternating rounds of ${SECONDS} s, ${CONNECTIONS} connections; ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)} at the start`,
);
const setups: Setup[] = [];
try {
  setups.push({ name: 'WORKERS=1', servers: [await start('WORKERS=1', { WORKERS: '1' })] });
  setups.push({
    name: `WORKERS=${CLUSTER_WORKERS}`,
    servers: [await start(`WORKERS=${CLUSTER_WORKERS}`, { WORKERS: CLUSTER_WORKERS })],
  });
  // The ceiling for two processes on this machine and client: two servers that share nothing.
  if (CLUSTER_WORKERS === '2')
    setups.push({
      name: '2 × WORKERS=1',
      servers: [await start('pair A', { WORKERS: '1' }), await start('pair B', { WORKERS: '1' })],
    });
  const samples = setups.map((): Sample[] => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let step = 0; step < setups.length; step += 1) {
      const index = (round + step) % setups.length;
      samples[index]!.push(await measure(setups[index]!));
    }
    console.log(
      `  round ${round + 1}: ${setups.map((setup, index) => `${setup.name} ${samples[index]!.at(-1)!.rps.toFixed(0)} req/s`).join(', ')}`,
    );
  }
  const results = setups.map((setup, index) => {
    const list = samples[index]!;
    return {
      name: setup.name,
      rps: median(list.map((sample) => sample.rps)),
      p99: median(list.map((sample) => sample.p99)),
      cpuMsPerRequest: median(list.map((sample) => sample.cpuMsPerRequest)),
      primaryCpuMsPerRequest: median(list.map((sample) => sample.primaryCpuMsPerRequest)),
      clientCores: median(list.map((sample) => sample.clientCores)),
    };
  });
  const single = results[0]!;
  console.log(
    '\nserver            req/s   p99 ms   server CPU ms/request (primary)   load generator (cores)   vs WORKERS=1',
  );
  for (const result of results)
    console.log(
      `${result.name.padEnd(15)} ${result.rps.toFixed(0).padStart(7)}  ${result.p99.toFixed(1).padStart(7)}  ${`${result.cpuMsPerRequest.toFixed(3)} (${result.primaryCpuMsPerRequest.toFixed(3)})`.padStart(32)}  ${result.clientCores.toFixed(2).padStart(23)}  ${`${(result.rps / single.rps).toFixed(2)}x`.padStart(13)}`,
    );
} finally {
  for (const setup of setups) for (const server of setup.servers) await stop(server);
}
