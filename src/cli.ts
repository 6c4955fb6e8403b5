import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { AnalyticsConfig } from './config/analytics.ts';
import { DEFAULT_LIMITS } from './config/limits.ts';
import { type Config, parseConfig } from './config/parse-config.ts';
import { type Diagnosis, diagnose } from './diagnose/diagnose.ts';
import { InputError } from './errors.ts';
import { DEFAULT_HAR_LIMITS } from './har/read-har.ts';
import { sanitizeHar } from './har/sanitize-har.ts';
import { scanHar } from './har/scan-har.ts';
import { EventStore } from './insights/event-store.ts';
import { FEEDBACK_REASONS, type FeedbackReason, type FeedbackVote } from './insights/events.ts';
import { diagnosisFacts, excerptOf, nearestOf } from './insights/recorder.ts';
import { formatProblem, type KnowledgeBase } from './kb/knowledge-base.ts';
import { buildLibrary } from './kb/library.ts';
import { chunksOf, LIBRARY_MANIFEST, libraryParts, serialiseLibrary } from './kb/library-data.ts';
import { buildWebAssets } from './node/build-web.ts';
import { readArticleSources, scanArticleFolder } from './node/read-articles.ts';
import { SqliteDatabase } from './node/sqlite-database.ts';
import { Redactor } from './redact/redactor.ts';

/** Exit codes: 0 done, 1 the articles have errors (or a server was out of reach), 2 the command was used wrongly, 3 bad input. */
const EXIT = { ok: 0, articleErrors: 1, usage: 2, badInput: 3 } as const;

/** Where the schema's migrations are: `migrations/` beside `src/` (a checkout) and beside `dist/` (built), as for the server. */
const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');
/** A client session id as the API takes it (X-Fixpath-Session). */
const SESSION = /^[\w-]{8,64}$/;
/** An error signature's id: 16 hex digits. */
const SIGNATURE = /^[0-9a-f]{16}$/;
/** The longest comment a vote keeps. */
const COMMENT_MAX = 500;
/** How long `feedback --server` waits for the server. */
const SERVER_TIMEOUT_MS = 15_000;

const USAGE = `fixpath — name the root cause of an API auth failure, offline

Usage:
  fixpath diagnose "<symptom or pasted error>" [--json] [--articles DIR]
  fixpath diagnose --file response.txt [--json] [--articles DIR]
  fixpath triage capture.har [--json] [--articles DIR]   failing exchanges of a HAR and their causes
  fixpath sanitize in.har -o out.har                      remove every secret from a HAR
  fixpath lint [DIR]                                      check articles (default: ./articles)
  fixpath build [DIR] [-o dist/library.bin]               validate articles and write the prebuilt library
  fixpath feedback --cause ID [--step ID] --helpful yes|no [--reason R] [--comment TEXT] [--signature ID]
  fixpath feedback --article SLUG --helpful yes|no [...]  was that cause, step or article right?
      --reason wrong-cause|steps-unclear|tried-failed|other, with --helpful no; the comment is kept
      without secrets. --signature: the diagnosis's signature id (diagnose prints it).
      --server URL sends the vote to that fixpath server; without it, it is kept here.
      --session ID groups votes: a later vote on the same item replaces the earlier one.

Nothing leaves this machine: the articles are read from disk and everything runs here, except a
vote sent with --server. With analytics on (the default), diagnose and feedback record facts
(not the text, unless ANALYTICS_EXCERPTS=on keeps a redacted excerpt) in DATA_DIR/fixpath.db
(default ./data), the database a Node server there reads; ANALYTICS=off records nothing.`;

interface Options {
  json: boolean;
  articles: string;
  file?: string;
  output?: string;
  server?: string;
  session?: string;
  cause?: string;
  step?: string;
  article?: string;
  helpful?: string;
  reason?: string;
  comment?: string;
  signature?: string;
  positional: string[];
}

/** The options that take a value, and the field each fills. */
const VALUE_OPTIONS = {
  '--articles': 'articles',
  '--file': 'file',
  '-o': 'output',
  '--output': 'output',
  '--server': 'server',
  '--session': 'session',
  '--cause': 'cause',
  '--step': 'step',
  '--article': 'article',
  '--helpful': 'helpful',
  '--reason': 'reason',
  '--comment': 'comment',
  '--signature': 'signature',
} as const satisfies Record<string, keyof Options>;
const VOTE_OPTIONS = [
  '--server',
  '--cause',
  '--step',
  '--article',
  '--helpful',
  '--reason',
  '--comment',
  '--signature',
];

function parseOptions(command: string, args: string[], config: Config): Options {
  const options: Options = { json: false, articles: config.articlesDir, positional: [] };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--json') options.json = true;
    else if (Object.hasOwn(VALUE_OPTIONS, arg)) {
      const value = args[index + 1];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (VOTE_OPTIONS.includes(arg) && command !== 'feedback')
        throw new UsageError(`${arg} is an option of fixpath feedback`);
      options[VALUE_OPTIONS[arg as keyof typeof VALUE_OPTIONS]] = value;
      index += 1;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  if (options.session !== undefined && !SESSION.test(options.session))
    throw new UsageError('--session is 8 to 64 letters, digits, - or _');
  return options;
}

class UsageError extends Error {
  /** `brief`: the message says all; the usage text would only bury it. */
  constructor(
    message: string,
    readonly brief = false,
  ) {
    super(message);
  }
}

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

/**
 * The prebuilt library: the same validation as lint (a broken article fails the build), then the
 * index. Written once for the Node server (OUTPUT, loaded at start when the articles match) and
 * once, cut into parts, as the Worker's static assets (assets/library/ beside OUTPUT): a static
 * asset may not exceed 25 MiB.
 */
async function build(directory: string, output: string): Promise<number> {
  const scan = await scanArticleFolder(resolve(directory));
  const library = buildLibrary(scan.sources, new Date());
  for (const record of library.sources) {
    const signature = scan.signatures.get(record.file);
    if (signature) record.signature = signature;
  }
  const errors = library.kb.problems.filter((problem) => problem.severity === 'error');
  for (const problem of library.kb.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (errors.length > 0) {
    process.stderr.write(`build failed: ${errors.length} article errors\n`);
    return EXIT.articleErrors;
  }
  const bytes = serialiseLibrary(library);
  await mkdir(dirname(resolve(output)), { recursive: true });
  // Written aside and renamed over: a server reading the previous library keeps reading it whole.
  await writeFile(`${output}.${process.pid}.tmp`, bytes);
  await rename(`${output}.${process.pid}.tmp`, output);
  const parts = join(dirname(resolve(output)), 'assets', 'library');
  await rm(parts, { recursive: true, force: true });
  await mkdir(parts, { recursive: true });
  const manifest = libraryParts(bytes);
  for (const part of manifest.parts)
    await writeFile(join(parts, part.name), bytes.subarray(part.start, part.start + part.length));
  const chunks = chunksOf(manifest.text);
  for (const chunk of chunks) {
    const start = manifest.textStart + chunk.start;
    await writeFile(join(parts, chunk.name), bytes.subarray(start, start + chunk.length));
  }
  await writeFile(join(parts, LIBRARY_MANIFEST), JSON.stringify(manifest));
  const web = await buildWebAssets();
  const webOutput = join(dirname(resolve(output)), 'web.json');
  await writeFile(webOutput, JSON.stringify(web));
  const gzipped = (code: string) => `${(gzipSync(code).length / 1024).toFixed(1)} KiB gzipped`;
  process.stdout.write(
    `wrote ${output}: ${library.kb.articles.length} articles, ${library.kb.causes.length} causes, ${(bytes.byteLength / 1024).toFixed(0)} KiB (and for the Worker ${manifest.parts.length} asset part${manifest.parts.length === 1 ? '' : 's'} and ${chunks.length} chunks read on demand)\n`,
  );
  process.stdout.write(`wrote ${webOutput}: widget ${gzipped(web.widget)}, console ${gzipped(web.console)}\n`);
  return EXIT.ok;
}

async function runDiagnose(options: Options, analytics: AnalyticsConfig): Promise<number> {
  const text = options.file ? await readFile(options.file, 'utf8') : options.positional.join(' ');
  if (!text.trim()) throw new UsageError('give the symptom as an argument, or --file with a pasted response');
  const library = buildLibrary(await readArticleSources(resolve(options.articles)), new Date());
  let nearest: string | undefined;
  const result = diagnose(
    { text },
    {
      kb: library.kb,
      index: library.index,
      clock: () => new Date(),
      includeInternal: true,
      ...(analytics.enabled ? { inspect: (scores) => (nearest = nearestOf(scores)) } : {}),
    },
  );
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatDiagnosis(result));
  if (analytics.enabled) {
    const facts = diagnosisFacts(result, nearest);
    if (analytics.excerpts && facts.outcome === 'abstained') facts.excerpt = excerptOf(text);
    const session = sessionOf(options);
    // The answer is given already: a database that cannot be written costs the record, not the answer.
    await keepInStore(analytics, (store) =>
      store.record({ type: 'diagnose', channel: 'cli', audience: 'agent', session, ...facts }),
    ).catch((error: unknown) =>
      process.stderr.write(
        `fixpath: the diagnosis was not recorded (${(error as Error).message}); ANALYTICS=off stops recording\n`,
      ),
    );
  }
  return EXIT.ok;
}

/** Open the event store the Node server in the same DATA_DIR reads (SQLite in WAL: both may write), add to it, write it out. */
async function keepInStore(analytics: AnalyticsConfig, add: (store: EventStore) => void): Promise<string> {
  const { database } = SqliteDatabase.open(resolve(analytics.dataDir), MIGRATIONS_DIR);
  try {
    let failure: unknown;
    const store = new EventStore(database, {
      flushMs: 0,
      retention: { eventDays: analytics.eventDays, dailyDays: analytics.dailyDays },
      onError: (error) => (failure = error),
    });
    add(store);
    await store.flush();
    if (failure) throw failure;
    return database.path;
  } finally {
    database.close();
  }
}

/** The client session events are kept under: --session, or one for this run. */
function sessionOf(options: Options): string {
  return options.session ?? randomUUID();
}

type CliVote = Pick<FeedbackVote, 'helpful' | 'cause' | 'step' | 'article' | 'reason' | 'comment' | 'signature'>;

/** The vote the options describe, checked as the server checks one (the names come later, against the articles). */
function voteOf(options: Options): CliVote {
  const { cause, step, article, reason, comment, signature } = options;
  // Each message says what to change: the whole usage text would bury it.
  const wrong = (message: string) => new UsageError(message, true);
  if (options.helpful !== 'yes' && options.helpful !== 'no')
    throw wrong(
      options.helpful === undefined ? 'say whether it helped: --helpful yes or --helpful no' : '--helpful is yes or no',
    );
  const helpful = options.helpful === 'yes';
  if (step !== undefined && cause === undefined) throw wrong('--step needs the --cause it is a step of');
  if (cause === undefined && article === undefined)
    throw wrong('name what the vote is about: --cause ID (with --step ID for a step), or --article SLUG');
  if (cause !== undefined && article !== undefined)
    throw wrong('a vote is about one thing: --cause (with --step for a step), or --article');
  if (reason !== undefined && !FEEDBACK_REASONS.includes(reason as FeedbackReason))
    throw wrong(`--reason is one of ${FEEDBACK_REASONS.join(', ')}`);
  if (helpful && (reason !== undefined || comment !== undefined))
    throw wrong('--reason and --comment say why not: they go with --helpful no');
  if (comment !== undefined && comment.length > COMMENT_MAX)
    throw wrong(`--comment is at most ${COMMENT_MAX} characters, not ${comment.length}`);
  if (signature !== undefined && !SIGNATURE.test(signature))
    throw wrong("--signature is the 16 hex digits of a diagnosis's signature id (fixpath diagnose prints it)");
  return {
    helpful,
    cause,
    step,
    article,
    reason: reason as FeedbackReason | undefined,
    comment: comment?.trim() || undefined,
    signature,
  };
}

/** Only names the articles have are kept, as on the server: nothing stored is a string someone made up. */
function checkNames(vote: CliVote, kb: KnowledgeBase, articlesDir: string): void {
  if (vote.article !== undefined && !kb.bySlug.has(vote.article))
    throw new InputError('not-found', `no article in ${articlesDir} has the slug "${vote.article.slice(0, 100)}"`);
  if (vote.cause === undefined) return;
  const cause = kb.byCauseId.get(vote.cause);
  if (!cause)
    throw new InputError(
      'not-found',
      `no article in ${articlesDir} has the cause "${vote.cause.slice(0, 100)}"; use a cause id that fixpath diagnose names`,
    );
  if (vote.step !== undefined && !cause.stepIds.includes(vote.step))
    throw new InputError(
      'not-found',
      `cause "${cause.id}" has no step "${vote.step.slice(0, 100)}"; its steps are ${cause.stepIds.join(', ')}`,
    );
}

/** A vote: sent to a server with --server, else kept in the local event store. */
async function feedback(options: Options, config: Config): Promise<number> {
  if (options.positional.length > 0)
    throw new UsageError(`fixpath feedback takes options only, not "${options.positional[0]!.slice(0, 40)}"`);
  const said = voteOf(options);
  // The words are kept (and sent) without secrets; the server removes them again.
  const vote = {
    ...said,
    comment: said.comment && new Redactor().text(said.comment, 'feedback').slice(0, COMMENT_MAX),
  };
  const session = sessionOf(options);
  if (options.server !== undefined) return sendVote(options.server, vote, session);
  if (!config.analytics.enabled)
    throw new UsageError(
      'ANALYTICS=off: nothing is kept here, so the vote was not recorded. Send it to a fixpath server with --server URL',
      true,
    );
  checkNames(vote, buildLibrary(await readArticleSources(resolve(options.articles)), new Date()).kb, options.articles);
  const path = await keepInStore(config.analytics, (store) =>
    store.vote({ ...vote, channel: 'cli', audience: 'agent', session }),
  );
  process.stdout.write(`vote kept in ${path}: ${describeVote(vote)}\n`);
  return EXIT.ok;
}

/** POST /v1/feedback as the CLI channel; the server checks the names against its own articles. */
async function sendVote(server: string, vote: CliVote, session: string): Promise<number> {
  let url: URL;
  try {
    // Relative to the address as given, so a server behind a path prefix is reached under it.
    url = new URL('v1/feedback', server.endsWith('/') ? server : `${server}/`);
  } catch {
    throw new UsageError(
      `--server is the server's address, e.g. https://kb.example.com, not "${server.slice(0, 100)}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--server is an http or https address, not ${url.protocol}`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fixpath-channel': 'cli', 'x-fixpath-session': session },
      body: JSON.stringify(vote),
      signal: AbortSignal.timeout(SERVER_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(
      `could not reach ${url.origin}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`,
    );
  }
  if (response.ok) {
    process.stdout.write(`vote sent to ${url.origin}: ${describeVote(vote)}\n`);
    return EXIT.ok;
  }
  const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
  const reason = problem.detail ?? problem.title ?? response.statusText;
  // What the server refused for what the vote says (an unknown name, a bad field) is bad input; anything else is a failure.
  if (response.status === 404 || response.status === 422)
    throw new InputError('invalid-input', `${url.origin} refused the vote (${response.status}): ${reason}`);
  throw new Error(`${url.origin} answered ${response.status}: ${reason}`);
}

function describeVote(vote: CliVote): string {
  const item = vote.step
    ? `step ${vote.step} of cause ${vote.cause}`
    : vote.cause
      ? `cause ${vote.cause}`
      : `article ${vote.article}`;
  return `${item}, ${vote.helpful ? 'helpful' : 'not helpful'}${vote.reason ? ` (${vote.reason})` : ''}`;
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
  if (result.signature)
    lines.push(
      '',
      `Signature ${result.signature.id}. Was it right? fixpath feedback --cause ${result.causes[0]!.id} --helpful yes|no --signature ${result.signature.id}`,
    );
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
  const config = parseConfig(process.env, 'cli');
  const options = parseOptions(command, rest, config);
  if (command === 'lint') return lint(options.positional[0] ?? options.articles);
  if (command === 'build')
    return build(options.positional[0] ?? options.articles, options.output ?? 'dist/library.bin');
  if (command === 'diagnose') return runDiagnose(options, config.analytics);
  if (command === 'triage') return triage(options);
  if (command === 'sanitize') return sanitize(options);
  if (command === 'feedback') return feedback(options, config);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`fixpath: ${error.message}\n${error.brief ? '' : `\n${USAGE}\n`}`);
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
