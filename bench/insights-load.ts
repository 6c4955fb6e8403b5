import autocannon from 'autocannon';
import { dayOf, isoDay, minuteOf } from '../src/insights/events.ts';
import { median, processCpuMs, type RunningServer, startServer, stopServer } from './insights-server.ts';

/**
 * Issue 14's first target: diagnosing with the event store on costs at most 10% of the
 * throughput with it off. Real servers, alike but for ANALYTICS (and, for the store, how much it
 * already holds), all with the response cache off so every request is diagnosed, take the same
 * load in alternating rounds; each round reads the server's own CPU time from /proc, because the
 * load generator shares this machine's cores and req/s alone would hide what the server spent.
 */

/** Clients send their session id and channel, as the widget does: the store hashes each session. */
const SESSIONS = 64;
/** Longer than ANALYTICS_FLUSH_MS (1 s), so the round's last batch is written inside its CPU window. */
const SETTLE_MS = 1_500;

export interface LoadTarget {
  name: string;
  /** Settings beside RESPONSE_CACHE_ENTRIES=0: ANALYTICS, DATA_DIR. */
  env: Record<string, string>;
}

export interface LoadOptions {
  rounds: number;
  seconds: number;
  connections: number;
  /** Request bodies for POST /v1/diagnose, as JSON. */
  bodies: string[];
  targets: LoadTarget[];
}

export interface LoadSample {
  rps: number;
  p99: number;
  cpuMsPerRequest: number;
}

export interface TargetResult extends LoadSample {
  name: string;
  rounds: LoadSample[];
  /** With the store on: the diagnoses it counted today during the load, against the 2xx answers the client saw. */
  recorded: number | null;
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

/** Diagnoses the store has counted today (null with ANALYTICS=off). */
async function diagnosesToday(server: RunningServer): Promise<number | null> {
  const today = isoDay(dayOf(minuteOf(new Date())));
  const response = await fetch(`${server.url}/v1/insights/summary?from=${today}&to=${today}`);
  if (response.status === 409) return null;
  return ((await response.json()) as { diagnoses: { total: number } }).diagnoses.total;
}

export async function benchStoreOverhead(options: LoadOptions): Promise<TargetResult[]> {
  const servers: RunningServer[] = [];
  try {
    for (const target of options.targets)
      servers.push(await startServer({ RESPONSE_CACHE_ENTRIES: '0', ...target.env }));
    const before = await Promise.all(servers.map(diagnosesToday));
    const samples = servers.map((): LoadSample[] => []);
    const answered = servers.map(() => 0);
    for (let round = 0; round < options.rounds; round += 1) {
      // Each round starts with the next target, so drift in the machine's speed falls on all alike.
      for (let step = 0; step < servers.length; step += 1) {
        const index = (round + step) % servers.length;
        const { answered: ok, failed, ...sample } = await measureRound(servers[index]!, options);
        if (failed > 0)
          throw new Error(`insights bench: ${failed} diagnose requests failed (${options.targets[index]!.name})`);
        answered[index]! += ok;
        samples[index]!.push(sample);
      }
      console.log(
        `  round ${round + 1}: ${options.targets
          .map(
            (target, index) =>
              `${target.name} ${samples[index]!.at(-1)!.rps.toFixed(0)} req/s ${samples[index]!.at(-1)!.cpuMsPerRequest.toFixed(2)} CPU ms`,
          )
          .join('; ')}`,
      );
    }
    const after = await Promise.all(servers.map(diagnosesToday));
    return options.targets.map((target, index) => ({
      name: target.name,
      rps: median(samples[index]!.map((sample) => sample.rps)),
      p99: median(samples[index]!.map((sample) => sample.p99)),
      cpuMsPerRequest: median(samples[index]!.map((sample) => sample.cpuMsPerRequest)),
      rounds: samples[index]!,
      recorded: after[index] === null ? null : after[index]! - (before[index] ?? 0),
      answered: answered[index]!,
    }));
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}
