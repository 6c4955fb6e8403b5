import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadRequest, type LoadResult, runLoad } from './load-client.ts';
import { SYMPTOMS } from './support-inputs.ts';

/**
 * `npm run bench:cluster`: uncached diagnose throughput (RESPONSE_CACHE_ENTRIES=0, so every
 * request is diagnosed) of one process (WORKERS=1) against a cluster (WORKERS=2 by default): a
 * warm-up (BENCH_WARM_UP_SECONDS), then BENCH_SECONDS flat out over BENCH_CONNECTIONS keep-alive connections, one
 * request at a time on each, rounds alternating between the servers so that drift in the
 * machine's speed falls on both, the median round reported. The load comes from
 * bench/load-client.ts, not autocannon as in bench/http.ts: the load generator shares the
 * machine's cores with the servers, and autocannon's own CPU (0.14–0.25 of two cores) was taken
 * from the cluster and capped its gain. The server's CPU per request is read from /proc for the
 * primary and every worker together, because req/s alone hides what the server spent; the load
 * generator's own CPU is shown beside it, in cores and per request. Beside the cluster, two
 * single servers that share nothing, loaded at once, show what two processes can reach on this
 * machine with this client: the cluster's own cost is the distance to them.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CLUSTER_WORKERS = process.env.BENCH_WORKERS ?? '2';
/**
 * Unrecorded load before each measured run. One second left every server slower in the first
 * rounds (1,800 against 2,150 req/s for one process) and the cluster most, whose two workers
 * each compile their hot path and read the phrase groups the inputs use: rounds 1 and 2 measured
 * 1.5× where later ones measured 1.76–1.89×.
 */
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 4);
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

/**
 * CPU time the whole machine has been busy, all cores, in milliseconds: the first line of
 * /proc/stat (user nice system idle iowait irq softirq steal …), less idle and iowait. Whatever
 * of it is neither the servers nor the load generator was someone else's, taken from the round.
 */
function machineBusyMs(): number {
  const [cpuLine] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
  const [user, nice, system, , , irq, softirq, steal] = cpuLine!.split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLOCK_TICKS_PER_SECOND;
}

interface Sample {
  rps: number;
  p99: number;
  /** The server's CPU (primary and workers) per request. */
  cpuMsPerRequest: number;
  /** Of which the cluster primary's (rate limits, the event store, the log), 0 for one process. */
  primaryCpuMsPerRequest: number;
  /** The load generator's CPU as a share of one core. */
  clientCores: number;
  /** The load generator's CPU per request, to set beside the server's. */
  clientCpuMsPerRequest: number;
  /** Other processes' CPU meanwhile, in cores: above a few hundredths, the round was not the servers' alone. */
  otherCores: number;
}

/** One thing measured: a server, or two servers side by side sharing nothing, each given half the connections. */
interface Setup {
  name: string;
  servers: Server[];
}

const diagnoseRequests = SYMPTOMS.map(
  (text): LoadRequest => ({
    method: 'POST',
    path: '/v1/diagnose',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  }),
);

async function measure(setup: Setup): Promise<Sample> {
  const connections = Math.max(1, Math.round(CONNECTIONS / setup.servers.length));
  // Two servers are loaded from this one process at once, as one client would.
  const run = (seconds: number): Promise<LoadResult[]> =>
    Promise.all(
      setup.servers.map((server) =>
        runLoad({ url: server.url, connections, durationMs: seconds * 1000, requests: diagnoseRequests }),
      ),
    );
  // An unrecorded run first, so the JIT has compiled the hot path (the server's and the client's) before we measure.
  await run(WARM_UP_SECONDS);
  await new Promise((settle) => setTimeout(settle, SETTLE_MS));
  const pids = setup.servers.flatMap((server) => processTree(server.child.pid!));
  const primaries = setup.servers.filter((server) => server.clustered).map((server) => server.child.pid!);
  const windowStarted = performance.now();
  const machineBefore = machineBusyMs();
  const serverBefore = treeCpuMs(pids);
  const primaryBefore = treeCpuMs(primaries);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const results = await run(SECONDS);
  const client = process.cpuUsage(clientBefore);
  const elapsedMs = performance.now() - started;
  await new Promise((settle) => setTimeout(settle, SETTLE_MS));
  const serverMs = treeCpuMs(pids) - serverBefore;
  const machineMs = machineBusyMs() - machineBefore;
  const windowMs = performance.now() - windowStarted;
  const primaryMs = treeCpuMs(primaries) - primaryBefore;
  const failed = results.reduce((sum, result) => sum + result.errors + result.non2xx, 0);
  if (failed > 0) throw new Error(`${setup.name}: ${failed} diagnose requests failed`);
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const clientMs = (client.user + client.system) / 1000;
  return {
    rps: results.reduce((sum, result) => sum + result.rps, 0),
    p99: Math.max(...results.map((result) => result.latency.p99)),
    cpuMsPerRequest: serverMs / requests,
    primaryCpuMsPerRequest: primaryMs / requests,
    clientCores: clientMs / elapsedMs,
    clientCpuMsPerRequest: clientMs / requests,
    otherCores: Math.max(0, machineMs - serverMs - clientMs) / windowMs,
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The median of each figure over the rounds (each on its own, so a row need not be one round). */
const medianSample = (samples: Sample[]): Sample => ({
  rps: median(samples.map((sample) => sample.rps)),
  p99: median(samples.map((sample) => sample.p99)),
  cpuMsPerRequest: median(samples.map((sample) => sample.cpuMsPerRequest)),
  primaryCpuMsPerRequest: median(samples.map((sample) => sample.primaryCpuMsPerRequest)),
  clientCores: median(samples.map((sample) => sample.clientCores)),
  clientCpuMsPerRequest: median(samples.map((sample) => sample.clientCpuMsPerRequest)),
  otherCores: median(samples.map((sample) => sample.otherCores)),
});

const HEADER =
  'server            req/s   p99 ms   server CPU ms/request (primary)   load generator: cores (ms/request)   others (cores)';

function row(name: string, sample: Sample): string {
  const server = `${sample.cpuMsPerRequest.toFixed(3)} (${sample.primaryCpuMsPerRequest.toFixed(3)})`;
  const client = `${sample.clientCores.toFixed(2)} (${sample.clientCpuMsPerRequest.toFixed(3)})`;
  return `${name.padEnd(15)} ${sample.rps.toFixed(0).padStart(7)}  ${sample.p99.toFixed(1).padStart(7)}  ${server.padStart(32)}  ${client.padStart(35)}  ${sample.otherCores.toFixed(2).padStart(15)}`;
}

console.log(
  `uncached diagnose, ${ROUNDS} alternating rounds of ${SECONDS} s, ${CONNECTIONS} connections; ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)} at the start`,
);
console.log(`  ${HEADER}`);
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
    // Every round in full: on a shared machine one slow round shows here, not only in the median.
    console.log(`round ${round + 1}`);
    for (const [index, setup] of setups.entries()) console.log(`  ${row(setup.name, samples[index]!.at(-1)!)}`);
  }
  const results = samples.map(medianSample);
  const single = results[0]!;
  console.log(`\nmedian of ${ROUNDS} rounds\n${HEADER}   vs WORKERS=1`);
  for (const [index, setup] of setups.entries())
    console.log(
      `${row(setup.name, results[index]!)}  ${`${(results[index]!.rps / single.rps).toFixed(2)}x`.padStart(13)}`,
    );
} finally {
  for (const setup of setups) for (const server of setup.servers) await stop(server);
}
