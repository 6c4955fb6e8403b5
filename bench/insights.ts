import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCorpus } from '../evaluation/corpus.ts';
import { buildLibrary } from '../src/kb/library.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { profileInsights, timeInsightsOverHttp } from './insights-latency.ts';
import { benchStoreOverhead, type LoadTarget, type TargetResult } from './insights-load.ts';
import { ROOT } from './insights-server.ts';
import { answerPalette, trafficModel } from './insights-traffic.ts';
import {
  checkpoint,
  databaseBytes,
  databaseShape,
  formatBytes,
  generateYear,
  vacuum,
  type YearResult,
} from './insights-year.ts';

/**
 * `npm run bench:insights`: issue 14's targets for the event store.
 *
 * 1. A year at 50,000 diagnoses a day keeps GET /v1/insights/summary under 200 ms and the
 *    database under 1 GB: the year is generated through the real store and its maintenance,
 *    then the real server answers the insights API over it.
 * 2. Diagnose throughput with the store on is at least 0.9x with it off (uncached diagnoses of
 *    the real-world corpus, same load, alternating rounds, medians; req/s and server CPU ms per
 *    request), with an empty database and with a copy of the year's.
 *
 * `--days 30 --per-day 5000` runs a smaller year in a minute or two; `--reuse` keeps a year
 * already generated with the same flags; `--skip-load` or `--skip-year` runs one half;
 * `--no-vacuum` skips the VACUUM that shows the file's size without its free pages.
 */
const SUMMARY_TARGET_MS = 200;
const DATABASE_TARGET_BYTES = 1e9;
const THROUGHPUT_TARGET = 0.9;

const { values: flags } = parseArgs({
  options: {
    days: { type: 'string', default: '365' },
    'per-day': { type: 'string', default: '50000' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '5' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '5' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '10' },
    seed: { type: 'string', default: '14' },
    reuse: { type: 'boolean', default: false },
    'no-vacuum': { type: 'boolean', default: false },
    'skip-load': { type: 'boolean', default: false },
    'skip-year': { type: 'boolean', default: false },
  },
});

function wholeNumber(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`insights bench: --${name} must be a whole number above 0`);
  return value;
}
const days = wholeNumber('days', flags.days);
const perDay = wholeNumber('per-day', flags['per-day']);

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const inputs = (await readCorpus()).map((entry) =>
  entry.kind === 'error' ? { error: entry.input } : { text: String(entry.input) },
);

const DATA_DIR = join(ROOT, 'bench', 'data');
const LOCK_FILE = join(DATA_DIR, 'insights.lock');

/** One run at a time: a second would delete the first one's year, and both would share two cores. */
function lockBench(): void {
  mkdirSync(DATA_DIR, { recursive: true });
  if (existsSync(LOCK_FILE)) {
    const holder = Number(readFileSync(LOCK_FILE, 'utf8'));
    const alive = (() => {
      try {
        process.kill(holder, 0);
        return true;
      } catch {
        return false;
      }
    })();
    if (alive && holder !== process.pid)
      throw new Error(`insights bench: another run (pid ${holder}) holds ${LOCK_FILE}; wait for it to finish`);
  }
  writeFileSync(LOCK_FILE, String(process.pid));
  process.on('exit', () => rmSync(LOCK_FILE, { force: true }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
}

interface YearFindings {
  dataDir: string;
  size: number;
  slowSummaries: string[];
}

async function benchYear(): Promise<YearFindings> {
  const dataDir = join(DATA_DIR, `insights-${days}d-${perDay}`);
  const resultFile = join(dataDir, 'generated.json');
  let year: YearResult;
  if (flags.reuse && existsSync(resultFile)) {
    year = JSON.parse(readFileSync(resultFile, 'utf8')) as YearResult;
    console.log(`Reusing the year generated in ${dataDir} (today's events are as of when it was made)`);
  } else {
    const palette = answerPalette(library, inputs);
    const model = trafficModel(library, palette, seededRandom(wholeNumber('seed', flags.seed)));
    console.log(
      `Generating ${days} days at ${perDay} diagnoses a day (${model.signatures} error signatures; answers from ${palette.cause.length} cause, ${palette.lookalike.length} lookalike and ${palette.abstained.length} abstained real diagnoses) into ${dataDir}`,
    );
    year = await generateYear({ dataDir, days, perDay, model });
    writeFileSync(resultFile, JSON.stringify(year));
  }
  console.log(
    `\ngenerated ${year.events} events and ${year.votes} votes (${year.todayEvents} of them today, up to now) in ${(year.generationMs / 1000).toFixed(0)} s; rolling up and expiring one finished day: median ${year.maintainMs.median.toFixed(0)} ms, max ${year.maintainMs.max.toFixed(0)} ms`,
  );

  const beforeCheckpoint = databaseBytes(dataDir);
  checkpoint(dataDir);
  const shape = databaseShape(dataDir);
  const size = shape.fileBytes + shape.walBytes;
  console.log(
    `database: ${formatBytes(beforeCheckpoint)} before a checkpoint (fixpath.db + -wal), ${formatBytes(size)} after wal_checkpoint(TRUNCATE), of which ${formatBytes(shape.freePages * shape.pageSize)} free pages; at most ${formatBytes(year.peakBytes)} with its log during the year`,
  );
  console.log(
    `rows: ${Object.entries(shape.rows)
      .map(([table, count]) => `${table} ${count}`)
      .join(', ')}`,
  );
  console.log(
    `bytes: ${shape.objects
      .filter((object) => object.bytes >= 1e5)
      .map((object) => `${object.name} ${formatBytes(object.bytes)}`)
      .join(', ')}`,
  );

  const { timings, diagnoses } = await timeInsightsOverHttp(dataDir);
  console.log(`\nover HTTP (real server, ${diagnoses} diagnoses in the 365-day summary)`);
  console.log('                      repeated (sums remembered)   first after a start');
  console.log('read                  median ms   p95 ms            median ms   worst ms     bytes');
  for (const timing of timings)
    console.log(
      `${timing.name.padEnd(20)} ${timing.median.toFixed(1).padStart(10)}  ${timing.p95.toFixed(1).padStart(7)}           ${timing.firstMedian.toFixed(1).padStart(10)}  ${timing.firstMax.toFixed(1).padStart(9)}  ${String(timing.bytes).padStart(8)}`,
    );

  console.log('\nin-process, per query (time in SQLite includes turning rows into objects)');
  for (const profile of await profileInsights(dataDir, library)) {
    console.log(
      `${profile.name}: ${profile.totalMs.toFixed(1)} ms, ${profile.sqlMs.toFixed(1)} ms of it in queries, ${(profile.totalMs - profile.sqlMs).toFixed(1)} ms in the insights code`,
    );
    for (const call of profile.slowest)
      console.log(
        `  ${call.ms.toFixed(1).padStart(7)} ms ${String(call.rows).padStart(8)} rows  ${call.sql.slice(0, 150)}`,
      );
  }
  const slowSummaries = timings
    .filter(
      (timing) => timing.name.startsWith('summary') && Math.max(timing.median, timing.firstMedian) >= SUMMARY_TARGET_MS,
    )
    .map((timing) => timing.name);
  return { dataDir, size, slowSummaries };
}

async function benchLoad(yearDir: string | undefined): Promise<TargetResult[]> {
  const rounds = wholeNumber('rounds', flags.rounds);
  const seconds = wholeNumber('seconds', flags.seconds);
  const connections = wholeNumber('connections', flags.connections);
  const emptyDir = join(DATA_DIR, 'insights-load');
  rmSync(emptyDir, { recursive: true, force: true });
  const targets: LoadTarget[] = [
    { name: 'off', env: { ANALYTICS: 'off' } },
    { name: 'on, empty database', env: { ANALYTICS: 'on', DATA_DIR: emptyDir } },
  ];
  // A copy, so the year stays as generated: the load adds its diagnoses to today.
  const yearCopy = join(DATA_DIR, 'insights-load-year');
  if (yearDir) {
    rmSync(yearCopy, { recursive: true, force: true });
    mkdirSync(yearCopy, { recursive: true });
    copyFileSync(join(yearDir, 'fixpath.db'), join(yearCopy, 'fixpath.db'));
    targets.push({ name: "on, the year's database", env: { ANALYTICS: 'on', DATA_DIR: yearCopy } });
  }
  console.log(
    `\nDiagnose throughput, store on vs ANALYTICS=off: ${inputs.length} real-world reports, RESPONSE_CACHE_ENTRIES=0, ${connections} connections, ${rounds} alternating rounds of ${seconds} s`,
  );
  try {
    const results = await benchStoreOverhead({
      rounds,
      seconds,
      connections,
      bodies: inputs.map((body) => JSON.stringify(body)),
      targets,
    });
    const off = results[0]!;
    console.log(
      '\nstore                       req/s   p99 ms   CPU ms/request   vs off (req/s, CPU)   diagnoses counted',
    );
    for (const result of results)
      console.log(
        `${result.name.padEnd(25)} ${result.rps.toFixed(0).padStart(7)}  ${result.p99.toFixed(1).padStart(7)}  ${result.cpuMsPerRequest.toFixed(3).padStart(15)}   ${`${(result.rps / off.rps).toFixed(3)}x, ${(result.cpuMsPerRequest / off.cpuMsPerRequest).toFixed(3)}x`.padStart(19)}   ${result.recorded === null ? '' : `${result.recorded} of ${result.answered}+`}`,
      );
    // autocannon does not count the requests in flight when a run ends; the server answered and recorded them.
    console.log(`(answers seen by the client; up to ${connections} more were in flight at the end of each run)`);
    return results;
  } finally {
    rmSync(yearCopy, { recursive: true, force: true });
  }
}

/** The commit measured, and whether src/ or migrations/ differ from it: other work lands in this checkout meanwhile. */
function codeVersion(): { commit: string; dirty: boolean } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      dirty: git('status', '--porcelain', '--', 'src', 'migrations') !== '',
    };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

lockBench();
const startedAt = codeVersion();
console.log(
  `code: commit ${startedAt.commit}${startedAt.dirty ? ', with uncommitted changes in src/ or migrations/' : ''}\n`,
);
const year = flags['skip-year'] ? undefined : await benchYear();
const load = flags['skip-load'] ? undefined : await benchLoad(year?.dataDir);

let vacuumed: number | undefined;
if (year && !flags['no-vacuum']) {
  const vacuumMs = vacuum(year.dataDir);
  vacuumed = databaseBytes(year.dataDir);
  console.log(`\nafter VACUUM (${(vacuumMs / 1000).toFixed(0)} s): ${formatBytes(vacuumed)}`);
}

console.log('\ntargets');
if (load) {
  const off = load[0]!;
  for (const result of load.slice(1)) {
    const ratio = result.rps / off.rps;
    console.log(
      `  store on (${result.name.slice(4)}) at least ${THROUGHPUT_TARGET}x the req/s of off: ${ratio >= THROUGHPUT_TARGET ? 'met' : 'MISSED'} (${ratio.toFixed(3)}x)`,
    );
  }
}
if (year) {
  console.log(
    `  summary under ${SUMMARY_TARGET_MS} ms (median, repeated and first after a start): ${year.slowSummaries.length ? `MISSED (${year.slowSummaries.join(', ')})` : 'met'}`,
  );
  console.log(
    `  database under ${formatBytes(DATABASE_TARGET_BYTES)}: ${year.size < DATABASE_TARGET_BYTES ? 'met' : 'MISSED'} (${formatBytes(year.size)}${vacuumed === undefined ? '' : `, ${formatBytes(vacuumed)} vacuumed`})`,
  );
}
const endedAt = codeVersion();
if (startedAt.commit !== 'unknown' && (endedAt.commit !== startedAt.commit || endedAt.dirty)) {
  const changed = execFileSync('git', ['diff', '--name-only', startedAt.commit, '--', 'src', 'migrations'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  if (changed)
    console.log(
      `\nwarning: src/ or migrations/ changed during the run (now ${endedAt.commit}${endedAt.dirty ? ' with uncommitted changes' : ''}: ${changed.split('\n').join(', ')}); servers started later ran the newer code`,
    );
}
