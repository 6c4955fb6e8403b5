import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { generateArticles } from '../../bench/generate-articles.ts';
import { EVAL_DIR, type EvalCase, HOLDOUT_DIRS, readCases } from '../../evaluation/cases.ts';
import { readCorpus } from '../../evaluation/corpus.ts';
import { catalogueFor } from '../../src/diagnose/diagnose.ts';
import { type DiagnoseInput, type ErrorInput, observeInput } from '../../src/diagnose/observe-input.ts';
import { type ScoredCause, scoreCauses } from '../../src/diagnose/score-causes.ts';
import { captureContextFacts } from '../../src/facts/capture-context.ts';
import { extractFacts } from '../../src/facts/extract-facts.ts';
import type { FactSet } from '../../src/facts/types.ts';
import { buildLibrary, type Library } from '../../src/kb/library.ts';
import { loadLibrary, serialiseLibrary } from '../../src/kb/library-data.ts';
import { searchArticles, suggestArticles } from '../../src/kb/search-articles.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import {
  buildReferenceIndex,
  type ReferenceIndex,
  referenceScoreCauses,
  referenceSearch,
  referenceSuggest,
} from '../support/reference-engine.ts';
import { ROOT } from '../support/server.ts';
import { needsEvalFile } from '../support/shared.ts';

/**
 * The flat term index and candidate-only cause scoring (commits 163ab69, 1235540) must answer
 * exactly as the MiniSearch engine of 3bb4184 did, kept as an oracle in
 * test/support/reference-engine.ts: every input of the corpus, the holdout and the dev set is
 * diagnosed and searched by both, over the bundled articles and over a larger generated library.
 */

/** Inputs carry tokens compared with the time: both engines see the same frozen clock. */
const CLOCK = () => new Date('2025-03-14T12:00:00Z');
const GENERATED_ARTICLES = 300;
const GENERATOR_SEED = 20_250_314;
const SEARCH_LIMIT = 20;
const TEXT_RANKING_SHOWN = 20;
/** The floor the chat asks `all.best` for. */
const BEST_FLOOR = 1.5;
const MISSPELT_WORD = 'tokn';
const TYPED_QUERIES = [
  'expird token',
  'cors preflght',
  'redirect uri mismatch',
  '401',
  'clok skew',
  'invalid_grant',
  'refresh tok',
  'forbidden scope',
  'postmn basic auth',
  'saml assertion expird',
  'IDX10223',
  'the',
];
/** Differences listed when the test fails; the rest are counted. */
const DIFFERENCES_SHOWN = 8;
const AUDIENCES = [false, true];

interface Input {
  id: string;
  body: DiagnoseInput;
  facts: FactSet;
  /** Words a person might type into the search box about this input (none for a capture). */
  words: string;
}

interface InputGroup {
  name: string;
  inputs: Input[];
  skip?: string;
}

const temporary = await mkdtemp(join(tmpdir(), 'fixpath-ranking-'));
after(() => rm(temporary, { recursive: true, force: true }));

const groups: InputGroup[] = [
  { name: 'real-world corpus', inputs: await inputsOf(await readCorpus(), ROOT) },
  {
    name: 'holdout cases',
    inputs: (
      await Promise.all(HOLDOUT_DIRS.map(async (dir) => inputsOf(await readCases(['text', 'error', 'har'], dir), dir)))
    ).flat(),
  },
  await devSet(),
];

const libraries: Array<{ name: string; directory: () => Promise<string> }> = [
  { name: 'bundled library', directory: async () => join(ROOT, 'articles') },
  {
    name: `bundled library + ${GENERATED_ARTICLES} generated articles`,
    directory: async () => {
      const directory = join(temporary, 'articles');
      await generateArticles(GENERATED_ARTICLES, join(directory, 'generated'), join(ROOT, 'articles'), GENERATOR_SEED);
      await cp(join(ROOT, 'articles'), join(directory, 'bundled'), { recursive: true });
      return directory;
    },
  },
];

for (const source of libraries) {
  describe(`${source.name}: the term index answers as MiniSearch did (oracle frozen at 3bb4184)`, async () => {
    const built = buildLibrary(await readArticleSources(await source.directory()), new Date());
    const reference = buildReferenceIndex(built.kb);
    // A library loaded from its bytes reads its catalogue, phrases and articles from stored records.
    const forms = [
      { form: 'built', library: built },
      { form: 'loaded from its bytes', library: loadLibrary(serialiseLibrary(built)) },
    ];

    for (const { form, library } of forms)
      for (const group of groups) {
        it(
          `${form}: diagnoses and searches the ${group.name} alike (${group.inputs.length} inputs, both audiences)`,
          group.skip ? { skip: group.skip } : {},
          (t) => {
            const check = new Comparisons();
            for (const input of group.inputs)
              for (const includeInternal of AUDIENCES) compareScores(check, input, library, reference, includeInternal);
            const queries = new Set(group.inputs.flatMap((input) => queriesFrom(input.words)));
            for (const query of queries) compareSearches(check, query, library, reference);
            check.report(t, `${library.kb.articles.length} articles, ${queries.size} distinct queries`);
          },
        );
      }

    for (const { form, library } of forms)
      it(`${form}: searches typed queries with typos alike (${TYPED_QUERIES.length} queries)`, (t) => {
        const check = new Comparisons();
        for (const query of TYPED_QUERIES)
          for (const typed of [query, query.slice(0, Math.max(1, query.length - 2))])
            compareSearches(check, typed, library, reference);
        check.report(t, `${library.kb.articles.length} articles`);
      });
  });
}

function compareScores(
  check: Comparisons,
  input: Input,
  library: Library,
  reference: ReferenceIndex,
  includeInternal: boolean,
): void {
  const where = `${input.id} (includeInternal ${includeInternal})`;
  const current = scoreCauses(input.facts, catalogueFor(library.kb), library.index, { includeInternal });
  const expected = referenceScoreCauses(input.facts, library.kb, reference, { includeInternal });
  check.same(`${where} causes`, current.causes.map(causeView), expected.causes.map(causeView));
  check.compared.causes += expected.causes.length;
  check.same(
    `${where} textRanking (first ${TEXT_RANKING_SHOWN})`,
    // The ranking names causes by catalogue number: their position in the knowledge base.
    firstOf(current.textRanking, TEXT_RANKING_SHOWN).map((number) => library.kb.causes[number]!.id),
    expected.textRanking.slice(0, TEXT_RANKING_SHOWN),
  );
  check.same(`${where} all.entries()`, [...current.all.entries()], [...expected.all.entries()]);
  for (const { id } of library.kb.causes)
    check.same(`${where} all.get(${id})`, current.all.get(id), expected.all.get(id));
  const best = bestOf(expected.all, BEST_FLOOR);
  check.same(`${where} all.best(${BEST_FLOOR})`, current.all.best(BEST_FLOOR), best);
  if (best !== undefined) check.compared.best += 1;
}

function compareSearches(check: Comparisons, query: string, library: Library, reference: ReferenceIndex): void {
  for (const includeInternal of AUDIENCES) {
    const where = `query ${JSON.stringify(query)} (includeInternal ${includeInternal})`;
    const found = searchArticles(library, query, SEARCH_LIMIT, { includeInternal });
    const expected = referenceSearch(reference, library.kb, query, SEARCH_LIMIT, includeInternal);
    check.same(
      `${where} search`,
      { total: found.total, hits: found.hits.map(({ slug, score }) => ({ slug, score })) },
      { total: expected.total, hits: expected.hits.map(({ slug, score }) => ({ slug, score: rounded(score) })) },
    );
    check.compared.hits += expected.hits.length;
    // Every suggestion, so their count is compared too: the response carries no score or total.
    const suggested = suggestArticles(library, query, Number.POSITIVE_INFINITY, { includeInternal });
    const expectedSuggestions = referenceSuggest(
      reference,
      library.kb,
      query,
      Number.POSITIVE_INFINITY,
      includeInternal,
    );
    check.same(
      `${where} suggestions`,
      suggested.map((suggestion) => suggestion.slug),
      expectedSuggestions.hits.map((hit) => hit.slug),
    );
    check.compared.suggestions += expectedSuggestions.hits.length;
  }
}

/** What a ranked cause answers with, comparable between the engines (the cause by its id). */
function causeView({ cause, score, relevance, confidence, hard, evidence }: ScoredCause) {
  return { id: cause.id, score, relevance, confidence, hard, evidence };
}

/** Search hits carry scores to 3 decimals; prefix and fuzzy sums may differ in the last bit before that. */
function rounded(score: number): number {
  return Math.round(score * 1000) / 1000;
}

function firstOf<T>(items: Iterable<T>, count: number): T[] {
  const taken: T[] = [];
  for (const item of items) {
    if (taken.length >= count) break;
    taken.push(item);
  }
  return taken;
}

/** The highest score at or above the floor, the last of equals in catalogue order, as `CauseScores.best` promises. */
function bestOf(all: Map<string, number>, floor: number): string | undefined {
  let best: string | undefined;
  let top = floor;
  for (const [id, score] of all) {
    if (score >= top) {
      top = score;
      best = id;
    }
  }
  return best;
}

/** Facts exactly as diagnoseObservation (src/diagnose/diagnose.ts) extracts them. */
function factsOf(body: DiagnoseInput): FactSet {
  const observation = observeInput(body);
  const facts = extractFacts(observation, { clock: CLOCK, redactor: new Redactor() });
  const captureFacts = observation.kind === 'har' ? captureContextFacts(observation) : [];
  facts.facts = withoutSubsumed([...facts.facts, ...captureFacts]);
  return facts;
}

/** diagnose.ts's filter, replicated: a dropped cookie explains that entry's missing credentials. */
function withoutSubsumed(facts: FactSet['facts']): FactSet['facts'] {
  const cookieDropped = new Set(facts.filter((fact) => fact.id === 'cookie.dropped').map((fact) => fact.entry));
  return facts.filter(
    (fact) => !(fact.id === 'auth.header-missing' && fact.entry !== undefined && cookieDropped.has(fact.entry)),
  );
}

async function inputsOf(cases: EvalCase[], directory: string): Promise<Input[]> {
  return Promise.all(
    cases.map(async (entry): Promise<Input> => {
      const body = await bodyOf(entry, directory);
      return { id: entry.id, body, facts: factsOf(body), words: wordsOf(entry) };
    }),
  );
}

/** The request body evaluation/cases.ts sends for a case. */
async function bodyOf(entry: EvalCase, directory: string): Promise<DiagnoseInput> {
  if (entry.kind === 'text') return { text: String(entry.input) };
  if (entry.kind === 'error') return { error: entry.input as ErrorInput };
  return { har: JSON.parse(await readFile(join(directory, String(entry.input)), 'utf8')) as unknown };
}

function wordsOf(entry: EvalCase): string {
  if (entry.kind === 'text') return String(entry.input);
  if (entry.kind === 'har') return '';
  const { body, headers } = entry.input as ErrorInput;
  const headerValues = Array.isArray(headers)
    ? headers.map((header) => header.value)
    : Object.values(headers ?? {}).flat();
  return [typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body), ...headerValues].join(' ');
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu;

/** Queries someone might type about an input: its first words, a few with a typo, a word half typed. */
function queriesFrom(text: string): string[] {
  const words = text.match(WORD) ?? [];
  const third = words[2];
  const halfTyped = third ? [...words.slice(0, 2), third.slice(0, Math.max(3, Math.ceil(third.length / 2)))] : [];
  return [words.slice(0, 4), [...words.slice(2, 5), MISSPELT_WORD], halfTyped]
    .map((query) => query.join(' '))
    .filter((query) => query.trim() !== '');
}

async function devSet(): Promise<InputGroup> {
  const name = 'dev set';
  const { skip } = needsEvalFile('cases.jsonl');
  if (skip) return { name, inputs: [], skip };
  return { name, inputs: await inputsOf(await readCases(['text', 'error', 'har'], EVAL_DIR), EVAL_DIR) };
}

/** Counts what was compared and keeps the first difference of each comparison that failed. */
class Comparisons {
  count = 0;
  readonly differences: string[] = [];
  /** How much of what was compared was not empty: named causes, best causes found, search hits, suggestions. */
  readonly compared = { causes: 0, best: 0, hits: 0, suggestions: 0 };

  same(what: string, current: unknown, reference: unknown): void {
    this.count += 1;
    const difference = firstDifference(current, reference, '');
    if (difference !== undefined) this.differences.push(`${what}: ${difference}`);
  }

  report(t: TestContext, about: string): void {
    const { causes, best, hits, suggestions } = this.compared;
    t.diagnostic(
      `${this.count.toLocaleString('en-US')} comparisons (${about}), covering ${causes} named causes, ${best} best causes, ${hits} search hits, ${suggestions} suggestions`,
    );
    assert.ok(
      this.differences.length === 0,
      `${this.differences.length} of ${this.count} comparisons differ from the reference engine; the first:\n${this.differences.slice(0, DIFFERENCES_SHOWN).join('\n')}`,
    );
  }
}

/** Where two values first differ, as "path: new …, reference …"; undefined when they are equal. */
function firstDifference(current: unknown, reference: unknown, path: string): string | undefined {
  if (current === reference) return undefined;
  if (typeof current === 'object' && current !== null && typeof reference === 'object' && reference !== null) {
    const isArray = Array.isArray(current);
    if (isArray !== Array.isArray(reference))
      return `${path || 'value'}: new ${show(current)}, reference ${show(reference)}`;
    const keys = new Set([...Object.keys(current), ...Object.keys(reference)]);
    for (const key of keys) {
      const found = firstDifference(
        (current as Record<string, unknown>)[key],
        (reference as Record<string, unknown>)[key],
        isArray ? `${path}[${key}]` : `${path}.${key}`,
      );
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return `${path || 'value'}: new ${show(current)}, reference ${show(reference)}`;
}

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
