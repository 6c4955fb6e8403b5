import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InProcessResult, KindSample } from './scale-in-process.ts';
import {
  ensureServerBuild,
  type HttpCost,
  measurePrebuiltStartUp,
  measureServer,
  type StartUp,
  serverReadsPrebuiltLibrary,
} from './scale-server.ts';
import { readRealInputs } from './support-inputs.ts';
import { knowledgeBaseOfSize, runNode, type SizedKnowledgeBase } from './support-knowledge-base.ts';
import { median, ROOT } from './support-server.ts';

/**
 * `npm run bench:scale`: what a knowledge base of 10,000 articles costs compared with the
 * bundled one. For each size (`--sizes 22,1000,5000,10000`; a size up to the bundled count means
 * the bundled articles alone, larger ones add generated articles from bench/generate-articles.ts):
 *
 * - in process, nothing cached: CPU per request (user + system, not wall) for search, a
 *   diagnosis of a customer's words, of a pasted error response and of a small HAR, each
 *   request a distinct real input; the median over `--processes` fresh processes. The first
 *   diagnosis after the library is loaded is reported on its own: it must cost no more than
 *   the others.
 * - the real Node server (dist/server.js): time from spawn to its first answer, its memory
 *   then, and, where the server can start from a prebuilt library, the same with one;
 * - over HTTP with the response cache off: the server's own CPU per diagnosis.
 *
 * Generated articles and libraries are cached in bench/data/scale/; results are printed and
 * written to bench/results/scale-<date>.json.
 */

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '22,1000,5000,10000' },
    processes: { type: 'string', default: '3' },
    /** At most this many inputs of each kind (all by default: the corpus has a few hundred reports). */
    requests: { type: 'string', default: 'Infinity' },
    workers: { type: 'string', default: '1' },
  },
});
const SIZES = options.sizes.split(',').map((size) => Number(size.replaceAll('_', '').trim()));
const PROCESSES = Number(options.processes);
const REQUEST_LIMIT = Number(options.requests);
/** One server process by default, so its figures are one process's; WORKERS=N measures a cluster. */
const WORKERS = Number(options.workers);
if (SIZES.some((size) => !Number.isInteger(size) || size < 1)) throw new Error('--sizes: whole numbers, e.g. 22,1000');

const log = (message: string): void => void process.stderr.write(`[scale] ${message}\n`);

interface SizeResult {
  size: number;
  articles: number;
  label: string;
  inProcess: { runs: InProcessResult[]; median: MedianInProcess };
  startUp: StartUp;
  prebuiltStartUp: StartUp | null;
  http: HttpCost;
  /** Wall time this size took in the bench, by phase. */
  seconds: { prepare: number; inProcess: number; server: number };
}

type MedianInProcess = Omit<InProcessResult, 'kinds'> & { kinds: Record<keyof InProcessResult['kinds'], KindSample> };

/** Each figure's median over the processes, figure by figure. */
function medianOf(runs: InProcessResult[]): MedianInProcess {
  const of = (pick: (run: InProcessResult) => number): number => median(runs.map(pick));
  const kind = (name: keyof InProcessResult['kinds']): KindSample => ({
    requests: runs[0]!.kinds[name].requests,
    meanMs: of((run) => run.kinds[name].meanMs),
    p50Ms: of((run) => run.kinds[name].p50Ms),
    p95Ms: of((run) => run.kinds[name].p95Ms),
    maxMs: of((run) => run.kinds[name].maxMs),
  });
  return {
    articles: runs[0]!.articles,
    causes: runs[0]!.causes,
    loadMs: of((run) => run.loadMs),
    loadCpuMs: of((run) => run.loadCpuMs),
    firstDiagnosisCpuMs: of((run) => run.firstDiagnosisCpuMs),
    kinds: { text: kind('text'), error: kind('error'), har: kind('har'), search: kind('search') },
    ledByGenerated: of((run) => run.ledByGenerated),
    heapMb: of((run) => run.heapMb),
  };
}

async function measureInProcess(kb: SizedKnowledgeBase): Promise<InProcessResult[]> {
  const runs: InProcessResult[] = [];
  for (let run = 0; run < PROCESSES; run += 1) {
    // One at a time: parallel processes would share the CPUs and each other's caches.
    const started = performance.now();
    const output = await runNode([
      join(ROOT, 'bench', 'scale-in-process.ts'),
      'measure',
      kb.libraryFile,
      String(REQUEST_LIMIT),
    ]);
    runs.push(JSON.parse(output.trim().split('\n').at(-1)!) as InProcessResult);
    log(
      `${kb.label}: process ${run + 1} of ${PROCESSES} done in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  return runs;
}

async function measureSize(size: number, texts: string[], prebuilt: boolean): Promise<SizeResult> {
  const seconds = (since: number): number => (performance.now() - since) / 1000;
  let phase = performance.now();
  const kb = await knowledgeBaseOfSize(size, log);
  const prepare = seconds(phase);
  log(`${kb.label}: in process, ${PROCESSES} fresh processes`);
  phase = performance.now();
  const runs = await measureInProcess(kb);
  const inProcess = seconds(phase);
  log(`${kb.label}: the Node server`);
  phase = performance.now();
  const { startUp, http } = await measureServer(kb, texts, WORKERS, REQUEST_LIMIT);
  const prebuiltStartUp = prebuilt ? await measurePrebuiltStartUp(kb, texts[0]!, WORKERS) : null;
  const server = seconds(phase);
  log(`${kb.label}: done in ${(prepare + inProcess + server).toFixed(0)} s`);
  return {
    size,
    articles: kb.articles,
    label: kb.label,
    inProcess: { runs, median: medianOf(runs) },
    startUp,
    prebuiltStartUp,
    http,
    seconds: { prepare, inProcess, server },
  };
}

const ms = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const row = (cells: Array<[string, number]>): string =>
  cells.map(([text, width], index) => (index === 0 ? text.padEnd(width) : text.padStart(width))).join('  ');

/** A kind's median request, and its mean in brackets. */
const both = (kind: { p50Ms: number; meanMs: number }): string => `${ms(kind.p50Ms)} (${ms(kind.meanMs)})`;

function table(results: SizeResult[], prebuilt: boolean, commit: string): string {
  const first = results[0]!.inProcess.median.kinds;
  const lines = [
    `fixpath scale bench: commit ${commit}, Node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString().slice(0, 16)}Z`,
    '',
    `In process, nothing cached: CPU ms per request (user + system), each request a distinct real input; each cell the median over the requests (their mean in brackets), median of ${PROCESSES} fresh processes`,
    row([
      ['articles', 14],
      ['load (CPU)', 12],
      ['1st diagnosis', 13],
      [`text (${first.text.requests})`, 14],
      ['text p95', 8],
      ['text max', 8],
      [`error (${first.error.requests})`, 14],
      [`HAR (${first.har.requests})`, 14],
      [`search (${first.search.requests})`, 14],
      ['text led by generated', 21],
    ]),
    ...results.map(({ label, inProcess: { median: result } }) =>
      row([
        [label, 14],
        [ms(result.loadCpuMs), 12],
        [ms(result.firstDiagnosisCpuMs), 13],
        [both(result.kinds.text), 14],
        [ms(result.kinds.text.p95Ms), 8],
        [ms(result.kinds.text.maxMs), 8],
        [both(result.kinds.error), 14],
        [both(result.kinds.har), 14],
        [both(result.kinds.search), 14],
        [`${(result.ledByGenerated * 100).toFixed(0)}%`, 21],
      ]),
    ),
    '',
    `Node server (dist/server.js, WORKERS=${WORKERS}, ARTICLES_DIR read as Markdown): spawn to first POST /v1/diagnose answered, memory of its processes then`,
    row([
      ['articles', 14],
      ['start-up', 10],
      ['RSS', 9],
      ['peak RSS', 9],
      ['with prebuilt library', 22],
    ]),
    ...results.map((result) =>
      row([
        [result.label, 14],
        [`${(result.startUp.ms / 1000).toFixed(2)} s`, 10],
        [`${result.startUp.rssMb.toFixed(0)} MB`, 9],
        [`${result.startUp.peakMb.toFixed(0)} MB`, 9],
        [
          result.prebuiltStartUp
            ? `${(result.prebuiltStartUp.ms / 1000).toFixed(2)} s, ${result.prebuiltStartUp.rssMb.toFixed(0)} MB${result.prebuiltStartUp.prebuiltUsed === false ? ' (not used)' : ''}`
            : 'n/a',
          22,
        ],
      ]),
    ),
    ...(prebuilt
      ? []
      : ['n/a: dist/server.js reads no prebuilt library file; it builds its library from the Markdown at every start']),
    '',
    'Over HTTP, response cache off: the server process CPU (/proc utime + stime) per diagnosis of a distinct report',
    row([
      ['articles', 14],
      ['CPU ms/request', 14],
      ['requests', 8],
      ['idle CPU ms/s', 13],
    ]),
    ...results.map((result) =>
      row([
        [result.label, 14],
        [ms(result.http.cpuMsPerRequest), 14],
        [String(result.http.requests), 8],
        [ms(result.http.idleCpuMsPerSecond), 13],
      ]),
    ),
    'idle: CPU with no requests (the article watcher rescans the folder every 5 s); it is included in CPU ms/request',
    '',
    'Bench time per size (prepare includes generating and building the library the first time)',
    ...results.map(
      (result) =>
        `${result.label.padEnd(14)}  prepare ${result.seconds.prepare.toFixed(0)} s, in process ${result.seconds.inProcess.toFixed(0)} s, server ${result.seconds.server.toFixed(0)} s`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

await ensureServerBuild(log);
const prebuilt = await serverReadsPrebuiltLibrary();
const { texts } = await readRealInputs();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const results: SizeResult[] = [];
for (const size of SIZES) results.push(await measureSize(size, texts, prebuilt));
const printed = table(results, prebuilt, commit);
process.stdout.write(`\n${printed}`);
const resultsDir = join(ROOT, 'bench', 'results');
await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, `scale-${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.json`);
await writeFile(
  file,
  JSON.stringify(
    {
      commit,
      node: process.version,
      cpus: availableParallelism(),
      options: {
        sizes: SIZES,
        processes: PROCESSES,
        requests: Number.isFinite(REQUEST_LIMIT) ? REQUEST_LIMIT : 'all',
        workers: WORKERS,
      },
      prebuiltLibrarySupported: prebuilt,
      results,
    },
    null,
    2,
  ),
);
log(`wrote ${file}`);
