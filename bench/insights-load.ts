import { rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { median, processCpuMs, ROOT, type RunningServer, startServer, stopServer } from './insights-server.ts';

/**
 * Issue 14's first target: diagnosing with the event store on costs at most 10% of the
 * throughput with it off. Two real servers, alike but for ANALYTICS, both with the response
 * cache off so every request is diagnosed, take the same load in alternating rounds; each
 * round reads the server's own CPU time from /proc, because the load generator shares this
 * machine's cores and req/s alone would hide what the server spent.
 */

/** Clients send their session id and channel, as the widget does: the store hashes each session. */
const SESSIONS = 64;
/** Longer than ANALYTICS_FLUSH_MS (1 s), so the round's last batch is written inside its CPU window. */
const SETTLE_MS = 1_500;

export interface LoadOptions {
  rounds: number;
  seconds: number;
  connections: number;
  /** Request bodies for POST /v1/diagnose, as JSON. */
  bodies: string[];
}

export interface LoadSample {
  rps: number;
  p99: number;
  cpuMsPerRequest: number;
}

export interface LoadResult {
  on: LoadSample;
  off: LoadSample;
  rounds: Array<{ on: LoadSample; off: LoadSample }>;
  /** Diagnoses the store-on server counted in its summary, against the 2xx answers it gave. */
  recorded: number;
  answered: number;
}

function diagnoseRequests(bodies: string[]): autocannon.Request[] {
  return bodies.map((body, index) => ({
    method: 'POST',
    path: '/v1/diagnose',
    headers: {
      'content-type': 'application/json',
      'x-fixpath-session': `bench-session-${String(index % SESSIONS).padStart(4, '0')}`,
      'x-fixpath-channel': 'widget',
    },
    body,
  }));
}

async function measureRound(
  server: RunningServer,
  options: LoadOptions,
): Promise<LoadSample & { answered: number; failed: number }> {
  const load: autocannon.Options = {
    url: server.url,
    connections: options.connections,
    pipelining: 1,
    requests: diagnoseRequests(options.bodies),
  };
  // A short unrecorded run first, so the JIT has compiled the hot path before we measure.
  const warm = await autocannon({ ...load, duration: 1 });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuBefore = processCpuMs(server.child.pid!);
  const result = await autocannon({ ...load, duration: options.seconds });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuMs = processCpuMs(server.child.pid!) - cpuBefore;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuMsPerRequest: cpuMs / result.requests.total,
    answered: warm['2xx'] + result['2xx'],
    failed: result.errors + result.non2xx + warm.errors + warm.non2xx,
  };
}

export async function benchStoreOverhead(options: LoadOptions): Promise<LoadResult> {
  const dataDir = join(ROOT, 'bench', 'data', 'insights-load');
  rmSync(dataDir, { recursive: true, force: true });
  const common = { RESPONSE_CACHE_ENTRIES: '0' };
  const on = await startServer({ ...common, ANALYTICS: 'on', DATA_DIR: dataDir });
  const off = await startServer({ ...common, ANALYTICS: 'off' });
  const rounds: LoadResult['rounds'] = [];
  let answered = 0;
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      // Alternate which goes first, so drift in the machine's speed falls on both alike.
      const order = round % 2 === 0 ? ([on, off] as const) : ([off, on] as const);
      const samples = new Map<RunningServer, LoadSample>();
      for (const server of order) {
        const { answered: ok, failed, ...sample } = await measureRound(server, options);
        if (failed > 0) throw new Error(`insights bench: ${failed} diagnose requests failed`);
        if (server === on) answered += ok;
        samples.set(server, sample);
      }
      rounds.push({ on: samples.get(on)!, off: samples.get(off)! });
      console.log(
        `  round ${round + 1}: on ${samples.get(on)!.rps.toFixed(0)} req/s ${samples.get(on)!.cpuMsPerRequest.toFixed(2)} CPU ms/req, off ${samples.get(off)!.rps.toFixed(0)} req/s ${samples.get(off)!.cpuMsPerRequest.toFixed(2)} CPU ms/req`,
      );
    }
    const summary = (await (await fetch(`${on.url}/v1/insights/summary`)).json()) as { diagnoses: { total: number } };
    return {
      on: medianSample(rounds.map((round) => round.on)),
      off: medianSample(rounds.map((round) => round.off)),
      rounds,
      recorded: summary.diagnoses.total,
      answered,
    };
  } finally {
    await Promise.all([stopServer(on), stopServer(off)]);
  }
}

const medianSample = (samples: LoadSample[]): LoadSample => ({
  rps: median(samples.map((sample) => sample.rps)),
  p99: median(samples.map((sample) => sample.p99)),
  cpuMsPerRequest: median(samples.map((sample) => sample.cpuMsPerRequest)),
});
