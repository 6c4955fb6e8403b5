import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SYMPTOMS } from './support-inputs.ts';
import { knowledgeBaseFolder } from './support-knowledge-base.ts';
import { median, ROOT, startSourceServer } from './support-server.ts';

/**
 * `npm run bench`: req/s and p99 latency of search and diagnose, as ratios of a Hono
 * hello-world server measured in the same run. Rounds alternate between the targets so that
 * drift in the machine's speed affects all of them alike; the median round is reported.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 200);
interface Target {
  name: string;
  request: (base: string) => autocannon.Options;
  /** Measured at evenly spaced times at a fixed rate instead of flat out: latency under ordinary load. */
  steady?: boolean;
}

const SEARCH_QUERIES = [
  'token expired',
  'invalid client secret',
  'cors preflight authorization',
  'refresh token invalid_grant',
  'clock skew nbf',
  'unauthorized after an hour',
  'api key invalid',
  'postman basic auth',
  'csrf token missing',
  'too many requests',
  'sso authentication code',
  'scope forbidden',
  'signature mismatch',
  'staging token production',
  'cookie samesite',
];

const targets: Target[] = [
  { name: 'hello', request: (base) => ({ url: `${base}/` }) },
  {
    name: 'search',
    request: (base) => ({
      url: base,
      requests: SEARCH_QUERIES.map((q) => ({ method: 'GET', path: `/v1/search?q=${encodeURIComponent(q)}` })),
    }),
  },
  {
    name: 'diagnose',
    request: (base) => ({
      url: base,
      requests: SYMPTOMS.map((text) => ({
        method: 'POST',
        path: '/v1/diagnose',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      })),
    }),
  },
];

async function measure(options: autocannon.Options): Promise<{ rps: number; p99: number; errors: number }> {
  // A short unrecorded run first, so the JIT has compiled the hot path before we measure.
  await autocannon({ connections: CONNECTIONS, duration: 1, pipelining: 1, ...options });
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, pipelining: 1, ...options });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

/**
 * Open-loop load: requests sent at evenly spaced times, whatever the answers are doing, and each
 * latency counted from when the request was due (so a stall delays the ones behind it, as it
 * would delay users). autocannon's fixed rate sends each second's requests in a burst at the
 * start of the second, which measures the queue behind the burst instead.
 */
async function paced(options: autocannon.Options, rate: number): Promise<{ rps: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const requests = options.requests ?? [{ method: 'GET', path: new URL(String(options.url)).pathname }];
  const base = new URL(String(options.url));
  const send = (request: (typeof requests)[number]): Promise<boolean> =>
    new Promise((done) => {
      const outgoing = http.request(
        {
          host: base.hostname,
          port: base.port,
          method: request.method ?? 'GET',
          path: request.path,
          headers: request.headers as http.OutgoingHttpHeaders,
          agent,
        },
        (response) => {
          response.resume();
          response.on('end', () => done(response.statusCode === 200));
        },
      );
      outgoing.on('error', () => done(false));
      outgoing.end(request.body as string | undefined);
    });
  const run = async (seconds: number): Promise<{ latencies: number[]; errors: number }> => {
    const total = Math.round(rate * seconds);
    const started = performance.now();
    const latencies: number[] = [];
    let errors = 0;
    const pending: Array<Promise<void>> = [];
    for (let index = 0; index < total; index += 1) {
      const due = started + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(
        send(requests[index % requests.length]!).then((ok) => {
          latencies.push(performance.now() - due);
          if (!ok) errors += 1;
        }),
      );
    }
    await Promise.all(pending);
    return { latencies, errors };
  };
  await run(1);
  const { latencies, errors } = await run(SECONDS);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p99: latencies[Math.floor(latencies.length * 0.99)]!, errors };
}

/** Hop-by-hop and per-response headers that the replaying server's adapter writes itself. */
const ADAPTER_HEADERS = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

/** fixpath's answers to every benchmark request, for the replaying server (see replay-server.ts). */
async function recordAnswers(base: string, file: string): Promise<void> {
  const recorded = [];
  for (const target of targets.slice(1)) {
    const options = target.request(base);
    for (const request of options.requests ?? []) {
      const response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        body: request.body as string | undefined,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!ADAPTER_HEADERS.has(name)) headers[name] = value;
      });
      const body = Buffer.from(await response.arrayBuffer()).toString('base64');
      const contentLength = request.body === undefined ? undefined : String(Buffer.byteLength(request.body as string));
      recorded.push({
        method: request.method ?? 'GET',
        path: request.path!,
        ...(contentLength ? { contentLength } : {}),
        status: response.status,
        headers,
        body,
      });
    }
  }
  await writeFile(file, JSON.stringify(recorded));
}

/**
 * Each round measures, one after another: hello world; fixpath's own answers replayed by a
 * server that does no work (the ceiling for this machine and client); search and diagnose
 * against fixpath with its response cache (the production default); then against a second
 * fixpath with the cache off, which shows the cost of the work itself.
 */
async function benchKnowledgeBase(
  label: string,
  env: Record<string, string>,
): Promise<Array<{ kb: string; target: string; rps: number; p99: number }>> {
  const hello = await startSourceServer('bench/hello-server.ts');
  const cached = await startSourceServer('src/node.ts', env);
  const uncached = await startSourceServer('src/node.ts', { ...env, RESPONSE_CACHE_ENTRIES: '0' });
  const replayFile = join(ROOT, 'bench', 'data', `replay-${label.replace(/\W+/g, '-')}.json`);
  await recordAnswers(cached.url, replayFile);
  const replay = await startSourceServer('bench/replay-server.ts', { REPLAY_FILE: replayFile });
  const samples = new Map<string, Array<{ rps: number; p99: number }>>();
  const runs: Array<[string, Target, string]> = [
    ['hello', targets[0]!, hello.url],
    ['search, replayed', targets[1]!, replay.url],
    ['diagnose, replayed', targets[2]!, replay.url],
    ['search', targets[1]!, cached.url],
    ['diagnose', targets[2]!, cached.url],
    ['search, no cache', targets[1]!, uncached.url],
    ['diagnose, no cache', targets[2]!, uncached.url],
    [`search, no cache, ${STEADY_RATE}/s`, { ...targets[1]!, steady: true }, uncached.url],
  ];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, target, base] of runs) {
        const sample = target.steady
          ? await paced(target.request(base), STEADY_RATE)
          : await measure(target.request(base));
        if (sample.errors > 0) throw new Error(`${name}: ${sample.errors} failed requests`);
        samples.set(name, [...(samples.get(name) ?? []), sample]);
      }
    }
  } finally {
    for (const server of [hello, cached, uncached, replay]) server.child.kill();
  }
  return runs.map(([name]) => {
    const list = samples.get(name)!;
    return {
      kb: label,
      target: name,
      rps: median(list.map((sample) => sample.rps)),
      p99: median(list.map((sample) => sample.p99)),
    };
  });
}

// The bundled articles and 970 generated ones, as the scale bench builds them (bench/data/scale/).
const large = await knowledgeBaseFolder(1000);
console.log(`${ROUNDS} alternating rounds of ${SECONDS} s per target, ${CONNECTIONS} connections\n`);
const rows = [
  ...(await benchKnowledgeBase('bundled', {})),
  ...(await benchKnowledgeBase('1,000 articles', { ARTICLES_DIR: large.directory })),
];
console.log('knowledge base   target                    req/s   p99 ms   vs hello   vs replayed');
for (const row of rows) {
  const hello = rows.find((candidate) => candidate.kb === row.kb && candidate.target === 'hello')!;
  const kind = row.target.split(',')[0]!;
  const replayed = row.target.includes('replayed')
    ? undefined
    : rows.find((candidate) => candidate.kb === row.kb && candidate.target === `${kind}, replayed`);
  const vsReplayed = replayed ? `${(row.rps / replayed.rps).toFixed(2)}x` : '';
  console.log(
    `${row.kb.padEnd(16)} ${row.target.padEnd(23)} ${row.rps.toFixed(0).padStart(7)}  ${row.p99.toFixed(1).padStart(7)}  ${(row.rps / hello.rps).toFixed(2).padStart(8)}x  ${vsReplayed.padStart(11)}`,
  );
}
