import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './support-server.ts';

/**
 * Real inputs for benchmarks, each one distinct as real traffic is: customer reports and
 * pasted error responses from the real-world evaluation corpus (evaluation/corpus), and the
 * small HAR captures of the test fixtures. A benchmark that repeats one input measures a warm
 * cache, not the engine.
 */

const CORPUS = join(ROOT, 'evaluation', 'corpus');
const HAR_FOLDERS = [join(ROOT, 'test', 'fixtures', 'har'), join(ROOT, 'test', 'fixtures', 'har', 'scenarios')];
/** Words of a report that make a search query: the start of a problem as people type it in a help centre. */
const QUERY_WORDS = 6;

export interface RealInputs {
  /** Customer reports in their own words (`{"text": …}`). */
  texts: string[];
  /** Pasted error responses (`{"error": {status, headers, body}}`). */
  errors: unknown[];
  /** HAR captures, parsed. */
  hars: Array<{ name: string; har: unknown }>;
  /** Search queries: the first words of each report. */
  queries: string[];
}

interface CorpusLine {
  kind: string;
  input: unknown;
}

export async function readRealInputs(): Promise<RealInputs> {
  const lines: CorpusLine[] = [];
  for (const file of (await readdir(CORPUS)).filter((name) => name.endsWith('.jsonl')).sort()) {
    for (const line of (await readFile(join(CORPUS, file), 'utf8')).split('\n'))
      if (line.trim()) lines.push(JSON.parse(line) as CorpusLine);
  }
  const texts = distinct(
    lines.filter((line) => line.kind === 'text' && typeof line.input === 'string').map((line) => line.input as string),
  );
  const errors = distinct(lines.filter((line) => line.kind === 'error').map((line) => JSON.stringify(line.input))).map(
    (text) => JSON.parse(text) as unknown,
  );
  const hars: RealInputs['hars'] = [];
  for (const folder of HAR_FOLDERS) {
    for (const name of (await readdir(folder)).filter((file) => file.endsWith('.har')).sort())
      hars.push({ name, har: JSON.parse(await readFile(join(folder, name), 'utf8')) as unknown });
  }
  return { texts, errors, hars, queries: distinct(texts.map(queryOf).filter(Boolean)) };
}

const distinct = (values: string[]): string[] => [...new Set(values)];

function queryOf(report: string): string {
  return report
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter(Boolean)
    .slice(0, QUERY_WORDS)
    .join(' ')
    .toLowerCase();
}

/** A few short customer reports that the throughput benches (http, cluster) send in turn. */
export const SYMPTOMS = [
  'our nightly sync runs fine for the first batch then all requests fail with invalid_token',
  'the gateway says our access token does not have access to this resource',
  'Postman 401 when requesting a token, authorization tab is set to No Auth',
  'users get bounced to login on every page in Safari, cookie is set but never sent back',
  'after a burst of retries we get 429 Too Many Requests with Retry-After 60',
];
