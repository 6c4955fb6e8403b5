import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Library } from '../src/kb/library.ts';
import { loadLibrary, serialiseLibrary } from '../src/kb/library-data.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { generateArticles } from './generate-articles.ts';
import { ROOT } from './support-server.ts';

/**
 * Knowledge bases of a given size for benchmarks: the bundled articles plus generated ones,
 * and each one's serialised library. Both are cached under bench/data/scale/: the generated
 * folder keyed by what generates it (size, seed, the generator's code, the bundled articles),
 * the library by a hash of the article files and of the engine code that builds it, so a
 * second run skips the 10,000-article build (about 45 s and 1.4 GB on the engine of 2026-12).
 */

const BUNDLED = join(ROOT, 'articles');
const CACHE = join(ROOT, 'bench', 'data', 'scale');
const SEED = 42;
const GENERATOR_FILES = ['generate-articles.ts', 'article-topics.ts', 'article-prose.ts'].map((file) =>
  join(ROOT, 'bench', file),
);
/** The code a serialised library depends on (the CLI's build writes the server's prebuilt one): a change there rebuilds it. */
const ENGINE_SOURCES = [join(ROOT, 'src', 'kb'), join(ROOT, 'src', 'cli.ts')];

export interface SizedKnowledgeBase {
  /** Articles asked for; at most the bundled ones means the bundled folder alone. */
  size: number;
  /** Article files in the folder. */
  articles: number;
  label: string;
  /** The folder to serve (ARTICLES_DIR). */
  directory: string;
  /** Its library as `serialiseLibrary` gives it, built on first use. */
  libraryFile: string;
  /** What the library was built from (the article files and the engine's code), as a hash. */
  libraryKey: string;
  /** Where the size's cached files are. */
  cache: string;
}

const hash = (parts: Array<string | Uint8Array>): string => {
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part).update('\0');
  return hasher.digest('hex').slice(0, 16);
};

async function filesBelow(directory: string, suffix: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function contentsOf(files: string[]): Promise<string[]> {
  return Promise.all(files.map(async (file) => `${relative(ROOT, file)}\n${await readFile(file, 'utf8')}`));
}

export async function bundledArticleCount(): Promise<number> {
  return (await readArticleSources(BUNDLED)).length;
}

export type KnowledgeBaseFolder = Omit<SizedKnowledgeBase, 'libraryFile' | 'libraryKey'>;

/** A size's articles folder and its serialised library, both made on first use. */
export async function knowledgeBaseOfSize(
  size: number,
  log: (message: string) => void = () => {},
): Promise<SizedKnowledgeBase> {
  const folder = await knowledgeBaseFolder(size, log);
  return { ...folder, ...(await libraryFor(folder.directory, folder.cache, log)) };
}

/**
 * The folder for a size (generated on first use): `articles/bundled` holds a copy of the
 * bundled articles and `articles/generated` the rest, so every size contains the real causes.
 */
export async function knowledgeBaseFolder(
  size: number,
  log: (message: string) => void = () => {},
): Promise<KnowledgeBaseFolder> {
  const bundled = await bundledArticleCount();
  if (size <= bundled)
    return { size, articles: bundled, label: `bundled ${bundled}`, directory: BUNDLED, cache: join(CACHE, 'bundled') };
  const key = hash([
    String(size),
    String(SEED),
    ...(await contentsOf(GENERATOR_FILES)),
    ...(await contentsOf(await filesBelow(BUNDLED, '.md'))),
  ]);
  const folder = join(CACHE, `kb-${size}-${key}`);
  const directory = join(folder, 'articles');
  const done = join(folder, 'generated.ok');
  if (!(await readFile(done, 'utf8').catch(() => null))) {
    await removeSiblings(CACHE, `kb-${size}-`, `kb-${size}-${key}`);
    const started = performance.now();
    await generateArticles(size - bundled, join(directory, 'generated'), BUNDLED, SEED);
    await cp(BUNDLED, join(directory, 'bundled'), { recursive: true });
    await writeFile(done, new Date().toISOString());
    log(`generated ${size - bundled} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { size, articles: size, label: size.toLocaleString('en-US'), directory, cache: folder };
}

/** Remove cached folders or files of an older key, so the cache holds one per size. */
async function removeSiblings(directory: string, prefix: string, keep: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && !name.startsWith(keep))
      .map((name) => rm(join(directory, name), { recursive: true, force: true })),
  );
}

/** The cached library of an articles folder, built in a child process when the articles or the engine changed. */
async function libraryFor(
  directory: string,
  folder: string,
  log: (message: string) => void,
): Promise<{ libraryFile: string; libraryKey: string }> {
  const sources = await readArticleSources(directory);
  const engine = (
    await Promise.all(ENGINE_SOURCES.map((source) => (source.endsWith('.ts') ? [source] : filesBelow(source, '.ts'))))
  ).flat();
  const key = hash([...sources.map((source) => `${source.file}\n${source.text}`), ...(await contentsOf(engine))]);
  const file = join(folder, `library-${key}.serialised`);
  if (await readFile(join(folder, `library-${key}.ok`), 'utf8').catch(() => null))
    return { libraryFile: file, libraryKey: key };
  await mkdir(folder, { recursive: true });
  await removeSiblings(folder, 'library-', `library-${key}`);
  await removeSiblings(folder, 'prebuilt-', `prebuilt-${key}`);
  const started = performance.now();
  // A child of its own, so the parent does not keep the 1.4 GB the build of a large one takes.
  await runNode([join(ROOT, 'bench', 'scale-in-process.ts'), 'build', directory, file]);
  await writeFile(join(folder, `library-${key}.ok`), new Date().toISOString());
  log(`built the library of ${sources.length} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { libraryFile: file, libraryKey: key };
}

/** Run a TypeScript file of this project in a fresh Node process; its stdout, or an error with its stderr. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('close', (code) =>
      code === 0 ? done(output) : fail(new Error(`${args.join(' ')} exited with ${code}:\n${errors}`)),
    );
  });
}

/**
 * The library as bytes. Engines before the binary library format give a JSON-ready object and
 * take it back; later ones give bytes and take bytes. The bench runs on both.
 */
export function libraryToBytes(library: Library): Uint8Array {
  const data: unknown = serialiseLibrary(library);
  return data instanceof Uint8Array ? data : Buffer.from(JSON.stringify(data));
}

export function libraryFromBytes(bytes: Uint8Array): Library {
  const load = loadLibrary as (data: unknown) => Library;
  const isJson = bytes[0] === '{'.charCodeAt(0);
  return load(isJson ? JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()) : bytes);
}
