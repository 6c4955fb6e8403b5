import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_LIMITS } from './config/limits.ts';
import { parseConfig } from './config/parse-config.ts';
import { type Diagnosis, diagnose } from './diagnose/diagnose.ts';
import { InputError } from './errors.ts';
import { DEFAULT_HAR_LIMITS } from './har/read-har.ts';
import { sanitizeHar } from './har/sanitize-har.ts';
import { scanHar } from './har/scan-har.ts';
import { formatProblem } from './kb/knowledge-base.ts';
import { buildLibrary } from './kb/library.ts';
import { serialiseLibrary } from './kb/library-data.ts';
import { buildWebAssets } from './node/build-web.ts';
import { readArticleSources } from './node/read-articles.ts';

/** Exit codes: 0 done, 1 the articles have errors, 2 the command was used wrongly, 3 bad input. */
const EXIT = { ok: 0, articleErrors: 1, usage: 2, badInput: 3 } as const;

const USAGE = `fixpath — name the root cause of an API auth failure, offline

Usage:
  fixpath diagnose "<symptom or pasted error>" [--json] [--articles DIR]
  fixpath diagnose --file response.txt [--json] [--articles DIR]
  fixpath triage capture.har [--json] [--articles DIR]   failing exchanges of a HAR and their causes
  fixpath sanitize in.har -o out.har                      remove every secret from a HAR
  fixpath lint [DIR]                                      check articles (default: ./articles)
  fixpath build [DIR] [-o dist/library.json]              validate articles and write the prebuilt library

Nothing leaves this machine: the articles are read from disk and everything runs here.`;

interface Options {
  json: boolean;
  articles: string;
  file?: string;
  output?: string;
  positional: string[];
}

function parseOptions(args: string[]): Options {
  const options: Options = { json: false, articles: parseConfig(process.env, 'cli').articlesDir, positional: [] };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--articles' || arg === '--file' || arg === '-o' || arg === '--output') {
      const value = args[index + 1];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--articles') options.articles = value;
      else if (arg === '--file') options.file = value;
      else options.output = value;
      index += 1;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  return options;
}

class UsageError extends Error {}

async function lint(directory: string): Promise<number> {
  const sources = await readArticleSources(resolve(directory));
  const library = buildLibrary(sources, new Date());
  const { kb } = library;
  for (const problem of kb.problems) process.stdout.write(`${formatProblem(problem)}\n`);
  const errors = kb.problems.filter((problem) => problem.severity === 'error').length;
  const warnings = kb.problems.length - errors;
  process.stdout.write(
    `${sources.length} files, ${kb.articles.length} articles, ${kb.causes.length} causes: ${errors} errors, ${warnings} warnings\n`,
  );
  return errors > 0 ? EXIT.articleErrors : EXIT.ok;
}

/** The Worker's library: the same validation as lint (a broken article fails the build), then the prebuilt index. */
async function build(directory: string, output: string): Promise<number> {
  const library = buildLibrary(await readArticleSources(resolve(directory)), new Date());
  const errors = library.kb.problems.filter((problem) => problem.severity === 'error');
  for (const problem of library.kb.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (errors.length > 0) {
    process.stderr.write(`build failed: ${errors.length} article errors\n`);
    return EXIT.articleErrors;
  }
  const text = JSON.stringify(serialiseLibrary(library));
  await mkdir(dirname(resolve(output)), { recursive: true });
  await writeFile(output, text);
  const web = await buildWebAssets();
  const webOutput = join(dirname(resolve(output)), 'web.json');
  await writeFile(webOutput, JSON.stringify(web));
  const gzipped = (code: string) => `${(gzipSync(code).length / 1024).toFixed(1)} KiB gzipped`;
  process.stdout.write(
    `wrote ${output}: ${library.kb.articles.length} articles, ${library.kb.causes.length} causes, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB\n`,
  );
  process.stdout.write(`wrote ${webOutput}: widget ${gzipped(web.widget)}, console ${gzipped(web.console)}\n`);
  return EXIT.ok;
}

async function runDiagnose(options: Options): Promise<number> {
  const text = options.file ? await readFile(options.file, 'utf8') : options.positional.join(' ');
  if (!text.trim()) throw new UsageError('give the symptom as an argument, or --file with a pasted response');
  const library = buildLibrary(await readArticleSources(resolve(options.articles)), new Date());
  const result = diagnose(
    { text },
    { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: true },
  );
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatDiagnosis(result));
  return EXIT.ok;
}

/** A diagnosis for a terminal: the causes, their evidence and their steps' titles. */
export function formatDiagnosis(result: Diagnosis): string {
  if (result.causes.length === 0) {
    return 'No root cause fits this input. Add the response status, headers and body, or describe when it started.\n';
  }
  const lines: string[] = [result.summary, ''];
  result.causes.forEach((cause, index) => {
    lines.push(
      `${index + 1}. ${cause.title} [${cause.id}${cause.kind === 'lookalike' ? ', not an authentication problem' : ''}] — confidence ${Math.round(cause.confidence * 100)}%`,
    );
    for (const evidence of cause.evidence)
      lines.push(`   · ${evidence.entry !== undefined ? `entry ${evidence.entry}: ` : ''}${evidence.detail}`);
    if (index === 0) {
      lines.push('   Steps:');
      for (const [stepIndex, step] of cause.steps.entries()) lines.push(`     ${stepIndex + 1}) ${step.title}`);
    }
    lines.push(`   Article: ${cause.article.url}`);
  });
  return `${lines.join('\n')}\n`;
}

async function readCapture(path: string | undefined): Promise<unknown> {
  if (!path) throw new UsageError('name the .har file');
  return parseCapture(path, await readFile(path, 'utf8'));
}

function parseCapture(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(
      'invalid-json',
      `${path} is not valid JSON (${(error as Error).message}); export the capture again as HAR`,
    );
  }
}

async function triage(options: Options): Promise<number> {
  const path = options.positional[0];
  if (!path) throw new UsageError('name the .har file');
  // Read entry by entry (a fraction of the memory for a large capture); the whole-document
  // reader is the fallback that explains a file that is not one.
  const contents = await readFile(path);
  const scanned = scanHar(new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength), {
    limits: DEFAULT_HAR_LIMITS,
    maxDepth: DEFAULT_LIMITS.maxJsonDepth,
  });
  const input = scanned ? { capture: scanned.har } : { har: parseCapture(path, contents.toString('utf8')) };
  const library = buildLibrary(await readArticleSources(resolve(options.articles)), new Date());
  const result = diagnose(input, {
    kb: library.kb,
    index: library.index,
    clock: () => new Date(),
    includeInternal: true,
  });
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatTriage(result));
  return EXIT.ok;
}

async function sanitize(options: Options): Promise<number> {
  const har = await readCapture(options.positional[0]);
  if (!options.output) throw new UsageError('say where to write the sanitized capture: -o out.har');
  const { har: clean, manifest } = sanitizeHar(har);
  await writeFile(options.output, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600 });
  const lines = manifest.removed.map((item) => `  ${String(item.count).padStart(5)}  ${item.where}: ${item.name}`);
  process.stdout.write(
    `wrote ${options.output}: ${manifest.entries} entries, ${manifest.total} secrets removed\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
  );
  return EXIT.ok;
}

/** A capture's failing exchanges as a table, then the causes. */
export function formatTriage(result: Diagnosis): string {
  const rows = result.findings.map((finding) => {
    const challenge = finding.wwwAuthenticate
      .map((item) => [item.scheme, item.params.error].filter(Boolean).join(' '))
      .join('; ');
    const row = `${String(finding.entry).padStart(5)}  ${String(finding.status ?? '-').padStart(3)}  ${(finding.method ?? '').padEnd(7)} ${(finding.url ?? '').slice(0, 70).padEnd(70)}  ${challenge}`;
    const notes = [
      ...finding.tokens.flatMap((token) => token.notes.map((note) => `token ${note}`)),
      ...finding.context,
    ];
    return [row, ...notes.map((note) => `${' '.repeat(20)}· ${note}`)].join('\n');
  });
  const sanitized = result.input.sanitized
    ? '; no credential headers or cookies anywhere: a sanitized export, so missing ones are not evidence'
    : '';
  const header = `${result.input.entries} entries, ${result.input.failing} failing${result.findings.length < result.input.failing ? ` (first ${result.findings.length} shown)` : ''}${result.input.creator ? `, written by ${result.input.creator}` : ''}${sanitized}\n`;
  const table = rows.length ? `entry  status method  url${' '.repeat(68)}challenge\n${rows.join('\n')}\n\n` : '\n';
  return `${header}${table}${formatDiagnosis(result)}`;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  const options = parseOptions(rest);
  if (command === 'lint') return lint(options.positional[0] ?? options.articles);
  if (command === 'build')
    return build(options.positional[0] ?? options.articles, options.output ?? 'dist/library.json');
  if (command === 'diagnose') return runDiagnose(options);
  if (command === 'triage') return triage(options);
  if (command === 'sanitize') return sanitize(options);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`fixpath: ${error.message}\n\n${USAGE}\n`);
      process.exit(EXIT.usage);
    }
    if (error instanceof InputError) {
      process.stderr.write(`fixpath: ${error.message}\n`);
      process.exit(EXIT.badInput);
    }
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      `fixpath: ${code === 'ENOENT' ? `no such file or folder: ${(error as NodeJS.ErrnoException).path}` : (error as Error).message}\n`,
    );
    process.exit(code === 'ENOENT' ? EXIT.badInput : 1);
  },
);
