import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateHar } from './generate-har.ts';

/**
 * `npm run bench:har`: for realistic captures of 10, 50 and 100 MB, the throughput of plain
 * `JSON.parse` on the file and of a full triage (decode, parse, validate, facts, diagnosis), and
 * the peak RSS of each. Every figure comes from fresh processes, so that one does not inherit
 * another's heap: throughput is the median of several runs in one process after a warm-up (the
 * steady state a server works in, for JSON.parse and triage alike), peak RSS comes from a
 * process that runs once.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench', 'data');
const SIZES = (process.env.BENCH_HAR_SIZES ?? '10,50,100').split(',').map(Number);
const RUNS = Number(process.env.BENCH_HAR_RUNS ?? 3);

interface Sample {
  seconds: number;
  maxRssBytes: number;
  baselineRssBytes: number;
  failing?: number;
  top?: string;
}

/** A smaller capture of the same kind (another seed) that each process first triages a few times. */
const WARMUP = join(DATA, 'warmup-2mb.har');

/** Runs per process for throughput: the median of these is the steady state a server runs in. */
const REPEATS = Number(process.env.BENCH_HAR_REPEATS ?? 5);

function measure(mode: 'parse' | 'triage', file: string, repeats: number): Sample {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'har-worker.ts'), mode, file, String(repeats), WARMUP],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`${mode} ${file} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Sample;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await mkdir(DATA, { recursive: true });
if (!existsSync(WARMUP)) await generateHar(WARMUP, 2, 99);
console.log(
  `captures of ${SIZES.join(', ')} MB, ${RUNS} fresh processes for each figure (median): throughput is the median of ${REPEATS} runs in a warmed-up process, peak RSS is from a single run\n`,
);
console.log(
  'size      JSON.parse MB/s   triage MB/s   triage/parse   peak RSS parse   peak RSS triage   triage RSS / file   growth / file',
);
for (const size of SIZES) {
  const file = join(DATA, `capture-${size}mb.har`);
  if (!existsSync(file)) await generateHar(file, size);
  const megabytes = statSync(file).size / 1024 / 1024;
  const parseRate = megabytes / median(Array.from({ length: RUNS }, () => measure('parse', file, REPEATS).seconds));
  const triageRate = megabytes / median(Array.from({ length: RUNS }, () => measure('triage', file, REPEATS).seconds));
  const parse = Array.from({ length: RUNS }, () => measure('parse', file, 1));
  const triage = Array.from({ length: RUNS }, () => measure('triage', file, 1));
  const parseRss = median(parse.map((sample) => sample.maxRssBytes)) / 1024 / 1024;
  const triageRss = median(triage.map((sample) => sample.maxRssBytes)) / 1024 / 1024;
  const triageGrowth = median(triage.map((sample) => sample.maxRssBytes - sample.baselineRssBytes)) / 1024 / 1024;
  console.log(
    `${`${megabytes.toFixed(0)} MB`.padEnd(9)} ${parseRate.toFixed(0).padStart(15)} ${triageRate.toFixed(0).padStart(13)} ${`${((triageRate / parseRate) * 100).toFixed(0)}%`.padStart(14)} ${`${parseRss.toFixed(0)} MB`.padStart(16)} ${`${triageRss.toFixed(0)} MB`.padStart(17)} ${`${(triageRss / megabytes).toFixed(2)}x`.padStart(19)} ${`${(triageGrowth / megabytes).toFixed(2)}x`.padStart(15)}`,
  );
  console.log(
    `          (triage found ${triage[0]!.failing} failing exchanges, top cause ${triage[0]!.top}; baseline RSS before reading ${(triage[0]!.baselineRssBytes / 1024 / 1024).toFixed(0)} MB)`,
  );
}
