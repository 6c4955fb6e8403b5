import { isRecord } from '../is-record.ts';
import { findRawHtml } from './find-raw-html.ts';
import { splitSections } from './markdown-sections.ts';
import { isFrontmatterProblem, readFrontmatter } from './read-frontmatter.ts';
import type {
  Article,
  ArticleProblem,
  ArticleSource,
  Cause,
  CauseQuestion,
  Signals,
  Step,
  Visibility,
} from './types.ts';
import { termsOf } from './vocabulary.ts';

/** Sections every troubleshooting article is expected to have; missing ones are warnings. */
export const EXPECTED_SECTIONS = ['Symptoms', 'Root causes', 'Resolution steps', 'Verification', 'Prevention'];

const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
const CAUSE_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;
const MAX_SIGNAL_ENTRIES = 200;
const MAX_PHRASE_LENGTH = 200;
/** A mechanism word is a word or a short compound (`trust proxy`, `cookie domain`); longer wordings are phrases. */
const MAX_WORD_TERMS = 3;

export interface ParsedArticle {
  article: Article | null;
  problems: ArticleProblem[];
}

/** The slug an article file gets: its name without folders and the `.md` ending. */
export function slugOfFile(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.md$/i, '').toLowerCase();
}

/**
 * Parse and validate one article. Frontmatter arrives as `unknown` and leaves as typed values;
 * every problem names the file, line and field so its author can go straight to it. An article
 * with errors is `null`; warnings leave it usable.
 */
export function parseArticle(source: ArticleSource): ParsedArticle {
  const problems: ArticleProblem[] = [];
  const { file } = source;
  const unreadable = unreadableProblem(source);
  if (unreadable) return { article: null, problems: [unreadable] };
  const parsed = readFrontmatter(source.text);
  if (isFrontmatterProblem(parsed)) {
    problems.push({ file, line: parsed.line, field: 'frontmatter', message: parsed.message, severity: 'error' });
    return { article: null, problems };
  }
  const frontmatterLines = parsed.matter.split(/\r?\n/);
  const bodyStartLine = /^\uFEFF?---/.test(source.text) ? frontmatterLines.length + 2 : 1;
  const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lineMatching = (pattern: RegExp, fromLine = 1): number | undefined => {
    const index = frontmatterLines.findIndex((line, at) => at + 1 >= fromLine && pattern.test(line));
    // gray-matter's frontmatter text starts with the newline after the opening ---.
    return index >= 0 ? index + 1 : undefined;
  };
  /** Line of a top-level key; 1 (the opening ---) when the key is missing. */
  const lineOf = (key: string): number => lineMatching(new RegExp(`^${escapeRegExp(key)}\\s*:`)) ?? 1;
  /** Line of a key inside a list item, at or after `fromLine`. */
  const lineOfNested = (key: string, fromLine: number): number =>
    lineMatching(new RegExp(`^\\s*-?\\s*${escapeRegExp(key)}\\s*:`), fromLine) ?? fromLine;
  const lineOfCause = (id: string): number | undefined =>
    id ? lineMatching(new RegExp(`^\\s*-?\\s*id\\s*:\\s*["']?${escapeRegExp(id)}["']?\\s*$`)) : undefined;
  const report = (
    field: string,
    message: string,
    severity: ArticleProblem['severity'] = 'error',
    line?: number,
  ): void => {
    problems.push({
      file,
      line:
        line ??
        lineOf(
          field
            .split('.')
            .pop()!
            .replace(/\[\d+\]$/, ''),
        ),
      field,
      message,
      severity,
    });
  };

  const data = isRecord(parsed.data) ? parsed.data : {};
  if (!isRecord(parsed.data))
    report('frontmatter', 'frontmatter must be a YAML mapping (key: value lines between --- markers)');

  const slug = slugOfFile(file);
  if (!SLUG.test(slug))
    report('slug', `file name "${file}" must be lower-case letters, digits and dashes, ending in .md`, 'error', 1);

  const title = stringField(data, 'title', report, { required: true });
  const summary = stringField(data, 'summary', report) ?? '';
  const visibility = visibilityField(data, report);
  const tags = stringList(data, 'tags', report);
  const related = stringList(data, 'related', report).map((value) => value.toLowerCase());
  const updated = dateField(data, report);

  const sections = splitSections(parsed.content).map((section) => ({
    ...section,
    line: section.line + bodyStartLine - 1,
  }));
  const steps: Step[] = sections
    .filter((section) => section.level >= 3)
    .map((section) => ({
      id: section.id,
      title: section.heading.replace(/^\d+\.\s*/, ''),
      markdown: section.markdown,
    }));
  const stepIds = new Set(steps.map((step) => step.id));
  for (const expected of EXPECTED_SECTIONS) {
    if (
      data.causes !== undefined &&
      !sections.some((section) => section.level === 2 && section.heading.toLowerCase() === expected.toLowerCase())
    ) {
      report('body', `missing section "## ${expected}"`, 'warning', bodyStartLine);
    }
  }

  for (const html of findRawHtml(parsed.content)) {
    const shown = html.html.length > 40 ? `${html.html.slice(0, 40)}…` : html.html;
    report(
      'body',
      `raw HTML ${JSON.stringify(shown)} is shown as text, not rendered; write it in Markdown instead`,
      'warning',
      html.line + bodyStartLine - 1,
    );
  }

  const causes = causesField(data, slug, stepIds, report, lineOf, lineOfCause, lineOfNested);
  const hasErrors = problems.some((problem) => problem.severity === 'error');
  if (hasErrors || title === null) return { article: null, problems };
  return {
    article: {
      slug,
      file,
      title,
      summary,
      visibility,
      tags,
      updated,
      related,
      causes,
      sections: sections.map(({ line: _line, ...section }) => section),
      steps,
      body: parsed.content.trim(),
    },
    problems,
  };
}

/** A file its entry could not read, or one with nothing in it, is a problem for that file alone. */
function unreadableProblem(source: ArticleSource): ArticleProblem | null {
  const problem = (message: string): ArticleProblem => ({
    file: source.file,
    line: 1,
    field: 'file',
    message,
    severity: 'error',
  });
  if (source.unreadable !== undefined)
    return problem(`the file could not be read (${source.unreadable}); check that it is a readable file`);
  if (!source.text.trim()) return problem('the file is empty; an article needs YAML frontmatter with at least a title');
  return null;
}

type Report = (field: string, message: string, severity?: ArticleProblem['severity'], line?: number) => void;

function stringField(
  data: Record<string, unknown>,
  key: string,
  report: Report,
  options: { required?: boolean } = {},
): string | null {
  const value = data[key];
  if (value === undefined || value === null || value === '') {
    if (options.required) report(key, `"${key}" is required`);
    return null;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    report(key, `"${key}" must be text`);
    return null;
  }
  return String(value).trim();
}

function visibilityField(data: Record<string, unknown>, report: Report): Visibility {
  const value = data.visibility;
  if (value === undefined || value === null) return 'public';
  if (value === 'public' || value === 'internal') return value;
  report('visibility', `"visibility" must be "public" or "internal", not ${JSON.stringify(value)}`);
  return 'public';
}

function dateField(data: Record<string, unknown>, report: Report): string | null {
  const value = data.updated;
  if (value === undefined || value === null) return null;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  report('updated', `"updated" must be a date such as 2026-06-03`, 'warning');
  return null;
}

function stringList(data: Record<string, unknown>, key: string, report: Report): string[] {
  const value = data[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of list.slice(0, MAX_SIGNAL_ENTRIES)) {
    if (typeof item === 'string' || typeof item === 'number') out.push(String(item).trim());
    else report(key, `"${key}" must be a list of text values`);
  }
  return out.filter(Boolean);
}

function causesField(
  data: Record<string, unknown>,
  slug: string,
  stepIds: Set<string>,
  report: Report,
  lineOf: (key: string) => number,
  lineOfCause: (id: string) => number | undefined,
  lineOfNested: (key: string, fromLine: number) => number,
): Cause[] {
  const value = data.causes;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    report('causes', '"causes" must be a list of causes (each with id, title, signals, steps)');
    return [];
  }
  const causes: Cause[] = [];
  const seen = new Set<string>();
  value.forEach((raw, index) => {
    const where = `causes[${index}]`;
    if (!isRecord(raw)) {
      report(where, 'each cause must be a mapping with id, title, signals and steps', 'error', lineOf('causes'));
      return;
    }
    const id = typeof raw.id === 'string' ? raw.id.trim() : '';
    const idLine = lineOfCause(id) ?? lineOf('causes');
    if (!CAUSE_ID.test(id)) {
      report(
        `${where}.id`,
        `cause id ${JSON.stringify(raw.id ?? null)} must be lower-case letters, digits and dashes`,
        'error',
        idLine,
      );
      return;
    }
    if (seen.has(id)) report(`${where}.id`, `cause "${id}" is declared twice in this article`, 'error', idLine);
    seen.add(id);
    const title = typeof raw.title === 'string' && raw.title.trim() ? raw.title.trim() : null;
    if (!title) report(`${where}.title`, `cause "${id}" needs a title`, 'error', idLine);
    const signals = signalsField(raw.signals, `${where}.signals`, report, idLine);
    const stepList = Array.isArray(raw.steps) ? raw.steps : raw.steps === undefined ? [] : [raw.steps];
    const causeStepIds: string[] = [];
    for (const step of stepList) {
      const stepId = typeof step === 'string' ? step.trim() : '';
      if (!stepId || !stepIds.has(stepId)) {
        report(
          `${where}.steps`,
          `cause "${id}" refers to step ${JSON.stringify(step)}, but no heading has {#${typeof step === 'string' || typeof step === 'number' ? step : '…'}}`,
          'error',
          lineOfNested('steps', idLine),
        );
      } else causeStepIds.push(stepId);
    }
    if (causeStepIds.length === 0 && stepList.length === 0) {
      report(`${where}.steps`, `cause "${id}" lists no steps; readers get no resolution`, 'warning', idLine);
    }
    const kind = raw.kind === undefined || raw.kind === null ? 'auth' : raw.kind;
    if (kind !== 'auth' && kind !== 'lookalike')
      report(
        `${where}.kind`,
        `cause "${id}" has kind ${JSON.stringify(raw.kind)}; use "auth" (the default) or "lookalike" (not an authentication problem)`,
        'error',
        idLine,
      );
    causes.push({
      id,
      kind: kind === 'lookalike' ? 'lookalike' : 'auth',
      title: title ?? id,
      description: typeof raw.description === 'string' ? raw.description.trim() : '',
      signals,
      stepIds: causeStepIds,
      articleSlug: slug,
      questions: questionsField(raw.questions, `${where}.questions`, report, idLine),
    });
  });
  return causes;
}

function questionsField(value: unknown, where: string, report: Report, line: number): CauseQuestion[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    report(where, 'questions must be a list of {id, ask, options, expect}', 'error', line);
    return [];
  }
  const questions: CauseQuestion[] = [];
  value.forEach((raw, index) => {
    const at = `${where}[${index}]`;
    if (
      !isRecord(raw) ||
      typeof raw.id !== 'string' ||
      typeof raw.ask !== 'string' ||
      !Array.isArray(raw.options) ||
      raw.options.length < 2
    ) {
      report(at, 'a question needs an id, the text to ask ("ask") and at least two options', 'error', line);
      return;
    }
    const text = (item: unknown): string =>
      typeof item === 'string' || typeof item === 'number' ? String(item) : (JSON.stringify(item) ?? '');
    const options = raw.options.map(text);
    const expect = (Array.isArray(raw.expect) ? raw.expect : [raw.expect]).map(text);
    const unknown = expect.filter((answer) => !options.includes(answer));
    if (expect.length === 0 || unknown.length > 0) {
      report(
        `${at}.expect`,
        `expect must name one or more of the options (${options.map((option) => JSON.stringify(option)).join(', ')}); ${unknown.map((answer) => JSON.stringify(answer)).join(', ') || 'none given'} is not one`,
        'error',
        line,
      );
      return;
    }
    const hints = hintsField(raw.hints, options, `${at}.hints`, report, line);
    questions.push({ id: raw.id.trim(), ask: raw.ask.trim(), options, expect, ...(hints ? { hints } : {}) });
  });
  return questions;
}

/** `hints: {"From the very first call": ["never worked", "not even once"]}`: free-text answers per option. */
function hintsField(
  value: unknown,
  options: string[],
  where: string,
  report: Report,
  line: number,
): Record<string, string[]> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    report(where, 'hints must map an option to the phrases people answer it with', 'error', line);
    return undefined;
  }
  const hints: Record<string, string[]> = {};
  for (const [option, phrases] of Object.entries(value)) {
    if (!options.includes(option)) {
      report(
        `${where}.${option}`,
        `hints name ${JSON.stringify(option)}, which is not one of the options`,
        'error',
        line,
      );
      continue;
    }
    if (!Array.isArray(phrases) || phrases.some((phrase) => typeof phrase !== 'string')) {
      report(`${where}.${option}`, 'hints for an option must be a list of phrases', 'error', line);
      continue;
    }
    hints[option] = (phrases as string[]).map((phrase) => phrase.trim()).filter(Boolean);
  }
  return hints;
}

function signalsField(value: unknown, where: string, report: Report, line: number): Signals {
  const signals: Signals = { status: [], error: [], phrases: [], words: [], facts: [] };
  if (value === undefined || value === null) return signals;
  if (!isRecord(value)) {
    report(where, 'signals must be a mapping with status, error, phrases, words and facts lists', 'error', line);
    return signals;
  }
  const list = (key: string): unknown[] => {
    const entry = value[key];
    if (entry === undefined || entry === null) return [];
    if (!Array.isArray(entry)) {
      report(`${where}.${key}`, `${key} must be a list`, 'error', line);
      return [];
    }
    if (entry.length > MAX_SIGNAL_ENTRIES)
      report(
        `${where}.${key}`,
        `${key} has more than ${MAX_SIGNAL_ENTRIES} entries; the rest are ignored`,
        'warning',
        line,
      );
    return entry.slice(0, MAX_SIGNAL_ENTRIES);
  };
  for (const status of list('status')) {
    const code = typeof status === 'number' ? status : typeof status === 'string' ? Number(status) : Number.NaN;
    if (Number.isInteger(code) && code >= 0 && code <= 599) signals.status.push(code);
    else report(`${where}.status`, `status ${JSON.stringify(status)} is not an HTTP status code`, 'error', line);
  }
  for (const key of ['error', 'phrases', 'words', 'facts'] as const) {
    for (const entry of list(key)) {
      if (typeof entry !== 'string' && typeof entry !== 'number') {
        report(`${where}.${key}`, `${key} entries must be text, not ${JSON.stringify(entry)}`, 'error', line);
        continue;
      }
      const text = String(entry).trim();
      if (!text || text.length > MAX_PHRASE_LENGTH) {
        report(`${where}.${key}`, `${key} entry must be 1 to ${MAX_PHRASE_LENGTH} characters`, 'warning', line);
        continue;
      }
      if (key === 'words' && (text.split(/\s+/).length > MAX_WORD_TERMS || termsOf(text).length === 0)) {
        report(
          `${where}.words`,
          `words entry "${text}" must be 1 to ${MAX_WORD_TERMS} words that are not all stop words (write longer wordings as phrases)`,
          'warning',
          line,
        );
        continue;
      }
      const value = key === 'phrases' || key === 'words' ? text : text.toLowerCase();
      if (signals[key].some((existing) => existing.toLowerCase() === value.toLowerCase())) {
        report(`${where}.${key}`, `${key} lists "${text}" twice`, 'warning', line);
        continue;
      }
      signals[key].push(value);
    }
  }
  for (const key of Object.keys(value)) {
    if (!['status', 'error', 'phrases', 'words', 'facts'].includes(key))
      report(
        `${where}.${key}`,
        `unknown signal "${key}" is ignored (use status, error, phrases, words or facts)`,
        'warning',
        line,
      );
  }
  return signals;
}
