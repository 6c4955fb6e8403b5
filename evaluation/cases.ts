import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/http/app.ts';
import { buildLibrary, type Library } from '../src/kb/library.ts';
import { readArticleSources } from '../src/node/read-articles.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The labelled cases sit beside the project, in ../shared/eval/dev. */
export const EVAL_DIR = process.env.FIXPATH_EVAL_DIR ?? resolve(ROOT, '..', 'shared', 'eval', 'dev');

export type CaseKind = 'text' | 'error' | 'har';

export interface EvalCase {
  id: string;
  kind: CaseKind;
  input: unknown;
  expect: string[];
  /** For real-world cases: the vendor or library the report is about. */
  vendor?: string;
}

export interface CaseResult {
  id: string;
  kind: CaseKind;
  vendor?: string;
  expect: string[];
  got: string[];
  /** The kind of the first cause returned, or null when the answer abstained. */
  firstKind: 'auth' | 'lookalike' | null;
  /** Whether the case expects an authentication cause (not `none`, not a lookalike). */
  expectsAuth: boolean;
  top1: boolean;
  top3: boolean;
}

export interface Metrics {
  cases: number;
  top1: number;
  top3: number;
  /** Share of `none` cases answered with an authentication cause first (../shared/eval/README.md). */
  falseAlarms: number;
  noneCases: number;
  /** The same over every report that is not an authentication failure: `none` and lookalike labels. */
  notAuthAlarms: number;
  notAuthCases: number;
  wrongAbstentions: number;
  causeCases: number;
}

/** The project's own held-out cases, written without looking at the dev set or the articles. */
export const HOLDOUT_DIRS = [join(ROOT, 'evaluation', 'holdout'), join(ROOT, 'evaluation', 'holdout-2')];

export async function readCases(kinds: CaseKind[], directory = EVAL_DIR): Promise<EvalCase[]> {
  const text = await readFile(join(directory, 'cases.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as EvalCase)
    .filter((entry) => kinds.includes(entry.kind));
}

async function bodyOf(entry: EvalCase, directory: string): Promise<unknown> {
  if (entry.kind === 'text') return { text: entry.input };
  if (entry.kind === 'error') return { error: entry.input };
  return { har: JSON.parse(await readFile(join(directory, String(entry.input)), 'utf8')) as unknown };
}

/**
 * Send every case through `POST /v1/diagnose` of the real app (in process) with the bundled
 * articles, and score the ranked cause ids as the evaluation README defines.
 */
export async function runEvaluation(
  kinds: CaseKind[],
  directory = EVAL_DIR,
  articlesDir = join(ROOT, 'articles'),
): Promise<CaseResult[]> {
  const library = buildLibrary(await readArticleSources(articlesDir), new Date());
  return evaluateCases(await readCases(kinds, directory), library, directory);
}

/** Score the given cases against one library (see runEvaluation). */
export async function evaluateCases(cases: EvalCase[], library: Library, directory: string): Promise<CaseResult[]> {
  const app = createApp({ library: () => library });
  const results: CaseResult[] = [];
  for (const entry of cases) {
    const response = await app.request('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await bodyOf(entry, directory)),
    });
    const body = (await response.json()) as { causes?: Array<{ id: string; kind?: 'auth' | 'lookalike' }> };
    const causes = response.ok ? (body.causes ?? []) : [];
    const got = causes.map((cause) => cause.id);
    const firstKind = causes[0] ? (causes[0].kind ?? 'auth') : null;
    const none = entry.expect.includes('none');
    // A `none` case is answered right by no cause or by a lookalike first (../shared/eval/README.md).
    const noneRight = firstKind !== 'auth';
    results.push({
      id: entry.id,
      kind: entry.kind,
      ...(entry.vendor ? { vendor: entry.vendor } : {}),
      expect: entry.expect,
      got,
      firstKind,
      expectsAuth: !none && entry.expect.some((id) => library.kb.byCauseId.get(id)?.kind !== 'lookalike'),
      top1: none ? noneRight : entry.expect.includes(got[0] ?? ''),
      top3: none ? noneRight : got.slice(0, 3).some((id) => entry.expect.includes(id)),
    });
  }
  return results;
}

export function metricsOf(results: CaseResult[]): Metrics {
  const noneCases = results.filter((result) => result.expect.includes('none'));
  const authCases = results.filter((result) => result.expectsAuth);
  const notAuth = results.filter((result) => !result.expectsAuth);
  return {
    cases: results.length,
    top1: results.filter((result) => result.top1).length / Math.max(1, results.length),
    top3: results.filter((result) => result.top3).length / Math.max(1, results.length),
    falseAlarms: noneCases.filter((result) => result.firstKind === 'auth').length / Math.max(1, noneCases.length),
    noneCases: noneCases.length,
    notAuthAlarms: notAuth.filter((result) => result.firstKind === 'auth').length / Math.max(1, notAuth.length),
    notAuthCases: notAuth.length,
    // An authentication case answered with nothing, or with "this is not an authentication problem".
    wrongAbstentions: authCases.filter((result) => result.firstKind !== 'auth').length / Math.max(1, authCases.length),
    causeCases: authCases.length,
  };
}
