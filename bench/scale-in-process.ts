import { readFile, writeFile } from 'node:fs/promises';
import { diagnose } from '../src/diagnose/diagnose.ts';
import type { DiagnoseInput } from '../src/diagnose/observe-input.ts';
import { buildLibrary } from '../src/kb/library.ts';
import { searchArticles } from '../src/kb/search-articles.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { readRealInputs } from './support-inputs.ts';
import { libraryFromBytes, libraryToBytes } from './support-knowledge-base.ts';

/**
 * One fresh process of the scale bench (bench/scale.ts runs it; its answer is one JSON line):
 *
 *   build DIR FILE          build the library of an articles folder and write it serialised
 *   measure FILE [LIMIT]    load that library, then time requests one by one in CPU (user +
 *                           system, not wall time): the first diagnosis, then every distinct
 *                           real input of each kind (at most LIMIT of each), nothing cached
 *
 * Only the engine's stable entry points are used (readArticleSources, buildLibrary,
 * serialiseLibrary, loadLibrary, searchArticles, diagnose), so the bench outlives a rewrite.
 */

export interface KindSample {
  requests: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface InProcessResult {
  articles: number;
  causes: number;
  loadMs: number;
  loadCpuMs: number;
  firstDiagnosisCpuMs: number;
  kinds: { text: KindSample; error: KindSample; har: KindSample; search: KindSample };
  /** Share of text diagnoses led by a cause of a generated article: distractors taking the top spot. */
  ledByGenerated: number;
  heapMb: number;
}

const cpuMsOf = (work: () => void): number => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

function sample<T>(inputs: T[], run: (input: T) => void): KindSample {
  const times = inputs.map((input) => cpuMsOf(() => run(input)));
  const sorted = [...times].sort((a, b) => a - b);
  const at = (share: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
  return {
    requests: times.length,
    meanMs: times.reduce((sum, time) => sum + time, 0) / Math.max(1, times.length),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: sorted.at(-1) ?? 0,
  };
}

async function build(directory: string, file: string): Promise<void> {
  const library = buildLibrary(await readArticleSources(directory), new Date());
  const errors = library.kb.problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new Error(`${directory}: ${errors.length} article errors, first: ${errors[0]!.message}`);
  await writeFile(file, libraryToBytes(library));
  console.log(JSON.stringify({ articles: library.kb.articles.length, causes: library.kb.causes.length }));
}

async function measure(file: string, limit: number): Promise<InProcessResult> {
  const inputs = await readRealInputs();
  const bytes = new Uint8Array(await readFile(file));
  const loadStarted = performance.now();
  let library!: ReturnType<typeof libraryFromBytes>;
  const loadCpuMs = cpuMsOf(() => {
    library = libraryFromBytes(bytes);
  });
  const loadMs = performance.now() - loadStarted;
  const context = { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: false };
  const run = (input: DiagnoseInput) => diagnose(input, context);
  const [first, ...texts] = inputs.texts;
  const firstDiagnosisCpuMs = cpuMsOf(() => run({ text: first! }));
  const firstCauses: string[] = [];
  const text = sample(texts.slice(0, limit), (report) => {
    const slug = run({ text: report }).causes[0]?.article.slug;
    if (slug) firstCauses.push(slug);
  });
  const error = sample(inputs.errors.slice(0, limit), (response) => run({ error: response as DiagnoseInput['error'] }));
  const har = sample(inputs.hars.slice(0, limit), ({ har: capture }) => run({ har: capture }));
  const search = sample(inputs.queries.slice(0, limit), (query) =>
    searchArticles(library, query, 10, { includeInternal: false }),
  );
  return {
    articles: library.kb.articles.length,
    causes: library.kb.causes.length,
    loadMs,
    loadCpuMs,
    firstDiagnosisCpuMs,
    kinds: { text, error, har, search },
    ledByGenerated: firstCauses.filter((slug) => slug.startsWith('generated-')).length / Math.max(1, text.requests),
    heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
  };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'build') await build(args[0]!, args[1]!);
else if (mode === 'measure') console.log(JSON.stringify(await measure(args[0]!, Number(args[1] ?? Infinity))));
else throw new Error('usage: scale-in-process.ts build DIR FILE | measure FILE [LIMIT]');
