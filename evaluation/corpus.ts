import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLibrary, type Library } from '../src/kb/library.ts';
import { parseArticle } from '../src/kb/parse-article.ts';
import type { ArticleSource } from '../src/kb/types.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { type CaseResult, type EvalCase, evaluateCases } from './cases.ts';

/**
 * The real-world corpus (evaluation/corpus/*.jsonl): reports found in public issue trackers, each
 * citing its repository and issue, labelled from the thread's resolution. It is scored twice:
 * as it is, and vendor-held-out, where each vendor's cases meet a knowledge base without the
 * phrases and error codes that only that vendor's reports contain. The gap between the two is
 * what the articles have memorised of particular vendors rather than learned of causes.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS_DIR = join(ROOT, 'evaluation', 'corpus');

export interface CorpusCase extends EvalCase {
  vendor: string;
  source: { repo: string; issue: number };
}

export async function readCorpus(directory = CORPUS_DIR): Promise<CorpusCase[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.jsonl')).sort();
  const cases: CorpusCase[] = [];
  for (const file of files) {
    for (const line of (await readFile(join(directory, file), 'utf8')).split('\n'))
      if (line.trim()) cases.push(JSON.parse(line) as CorpusCase);
  }
  return cases;
}

/** The case as the lower-case text a signal would be found in. */
function textOf(entry: EvalCase): string {
  return (typeof entry.input === 'string' ? entry.input : JSON.stringify(entry.input)).toLowerCase();
}

/**
 * Signals (phrases and error codes) that occur in some vendor's cases and in no other vendor's:
 * what the knowledge base could only have learned from that vendor.
 */
function vendorOnlySignals(cases: CorpusCase[], signals: string[]): Map<string, Set<string>> {
  const texts = new Map<string, string[]>();
  for (const entry of cases) texts.set(entry.vendor, [...(texts.get(entry.vendor) ?? []), textOf(entry)]);
  const only = new Map<string, Set<string>>();
  for (const signal of new Set(signals.map((value) => value.toLowerCase()))) {
    const vendors = [...texts]
      .filter(([, vendorTexts]) => vendorTexts.some((text) => text.includes(signal)))
      .map(([vendor]) => vendor);
    if (vendors.length !== 1) continue;
    only.set(vendors[0]!, (only.get(vendors[0]!) ?? new Set()).add(signal));
  }
  return only;
}

/** A library whose causes lack the given phrases and error codes. */
function libraryWithout(sources: ArticleSource[], removed: Set<string>): Library {
  return buildLibrary(sources, new Date(), (source) => {
    const parsed = parseArticle(source);
    if (!parsed.article) return parsed;
    for (const cause of parsed.article.causes) {
      cause.signals.phrases = cause.signals.phrases.filter((phrase) => !removed.has(phrase.toLowerCase()));
      cause.signals.error = cause.signals.error.filter((code) => !removed.has(code.toLowerCase()));
      cause.signals.words = cause.signals.words.filter((word) => !removed.has(word.toLowerCase()));
    }
    return parsed;
  });
}

export interface CorpusEvaluation {
  inSample: CaseResult[];
  vendorHeldOut: CaseResult[];
  /** How many vendors had signals only their own reports contain, and how many signals in all. */
  heldOutVendors: number;
  heldOutSignals: number;
}

export async function evaluateCorpus(
  articlesDir = join(ROOT, 'articles'),
  directory = CORPUS_DIR,
): Promise<CorpusEvaluation> {
  const cases = await readCorpus(directory);
  const sources = await readArticleSources(articlesDir);
  const library = buildLibrary(sources, new Date());
  const inSample = await evaluateCases(cases, library, directory);
  const signals = library.kb.causes.flatMap((cause) => [
    ...cause.signals.phrases,
    ...cause.signals.error,
    ...cause.signals.words,
  ]);
  const only = vendorOnlySignals(cases, signals);
  const byId = new Map(inSample.map((result) => [result.id, result]));
  const vendorHeldOut: CaseResult[] = [];
  for (const vendor of new Set(cases.map((entry) => entry.vendor))) {
    const own = cases.filter((entry) => entry.vendor === vendor);
    const removed = only.get(vendor);
    // A vendor none of whose words are its alone meets the same knowledge base as in sample.
    if (!removed) vendorHeldOut.push(...own.map((entry) => byId.get(entry.id)!));
    else vendorHeldOut.push(...(await evaluateCases(own, libraryWithout(sources, removed), directory)));
  }
  return {
    inSample,
    vendorHeldOut,
    heldOutVendors: only.size,
    heldOutSignals: [...only.values()].reduce((sum, set) => sum + set.size, 0),
  };
}
