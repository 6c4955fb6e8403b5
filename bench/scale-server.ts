import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { runNode, type SizedKnowledgeBase } from './support-knowledge-base.ts';
import { ROOT, type Server, startServer, stopServer, treeCpuMs, treeMemoryMb } from './support-server.ts';

/**
 * The scale bench's view of the real Node server (dist/server.js, as `npm start` runs it): how
 * long it takes from spawn to its first answer and how much memory it then holds, and what one
 * uncached diagnosis costs it in CPU, read from /proc so that the client's work is not counted.
 */

const SERVER = join(ROOT, 'dist', 'server.js');
const WEB_ASSETS = join(ROOT, 'dist', 'web.json');
/** Where the server runs: a folder of its own, so no library that `npm run build` left in dist/ is found by accident. */
const SERVER_HOME = join(ROOT, 'bench', 'data', 'scale', 'server');
/** Building a 10,000-article library from Markdown takes the old engine most of a minute. */
const START_TIMEOUT_MS = 15 * 60_000;
/** Requests answered before the CPU count starts, so the JIT has compiled the hot path. */
const WARMUP_REQUESTS = 20;
/** Long enough to span the article watcher's periodic rescan (every 5 s). */
const IDLE_MS = 6_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);

export interface StartUp {
  /** From spawn to the first successful POST /v1/diagnose answer. */
  ms: number;
  /** Resident memory of the server's processes right after that answer, and their peaks so far. */
  rssMb: number;
  peakMb: number;
  processes: number;
  /** What the server logged about starting from a prebuilt library (`"prebuilt":true`), when it says. */
  prebuiltUsed: boolean | null;
}

export interface HttpCost {
  requests: number;
  /** The server's own CPU (utime + stime of its processes) divided by the requests it answered. */
  cpuMsPerRequest: number;
  rps: number;
  /** CPU the server spends with no requests (the article watcher's rescans), per second. */
  idleCpuMsPerSecond: number;
}

/** dist/server.js built from the current sources: `npm run build` when any source is newer. */
export async function ensureServerBuild(log: (message: string) => void): Promise<void> {
  const built = await stat(SERVER).catch(() => null);
  const assets = await stat(WEB_ASSETS).catch(() => null);
  const newest = await newestModification(join(ROOT, 'src'));
  if (built && assets && built.mtimeMs >= newest) return;
  log('dist/server.js is missing or older than src/: npm run build');
  const { ARTICLES_DIR: _ignored, ...env } = process.env;
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, 'run', '-s', 'build']] : ['npm', ['run', '-s', 'build']];
  await new Promise<void>((done, fail) => {
    const child = spawn(command as string, args as string[], { cwd: ROOT, env, stdio: ['ignore', 2, 2] });
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`npm run build exited with ${code}`))));
  });
}

async function newestModification(directory: string): Promise<number> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const times = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => (await stat(join(entry.parentPath, entry.name))).mtimeMs),
  );
  return Math.max(0, ...times);
}

/**
 * Whether this server can start from a prebuilt library. Servers before LIBRARY_FILE (December
 * 2026) build from the Markdown at every start; one that reads a library names its default
 * file in its bundle.
 */
export async function serverReadsPrebuiltLibrary(): Promise<boolean> {
  return /library\.(json|bin)/.test(await readFile(SERVER, 'utf8'));
}

/** Where `npm run build:library` writes the prebuilt library, relative to the project. */
async function prebuiltLibraryPath(): Promise<string> {
  const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return /(?:-o|--output)\s+(\S+)/.exec(scripts['build:library'] ?? '')?.[1] ?? join('dist', 'library.json');
}

/**
 * The library the project's own build (`fixpath build DIR -o FILE`) makes for a knowledge
 * base, so it has whatever format this server reads; cached beside the bench's own library.
 */
async function prebuiltLibrary(kb: SizedKnowledgeBase): Promise<string> {
  const file = join(kb.cache, `prebuilt-${kb.libraryKey}-${basename(await prebuiltLibraryPath())}`);
  if (await stat(file).catch(() => null)) return file;
  const partial = `${file}.partial`;
  await runNode([join(ROOT, 'src', 'cli.ts'), 'build', kb.directory, '-o', partial]);
  await rename(partial, file);
  return file;
}

/**
 * A fresh folder to run the server in, holding the web assets and, for a start from a prebuilt
 * library, the library where `npm run build` puts it (the server's default) and named by
 * LIBRARY_FILE; otherwise LIBRARY_FILE=none, so every start builds from the Markdown.
 */
async function serverHome(name: string, library?: string): Promise<{ home: string; env: Record<string, string> }> {
  const home = join(SERVER_HOME, name);
  await rm(home, { recursive: true, force: true });
  await mkdir(join(home, 'dist'), { recursive: true });
  await copyFile(WEB_ASSETS, join(home, 'dist', 'web.json'));
  if (!library) return { home, env: { LIBRARY_FILE: 'none' } };
  const target = join(home, await prebuiltLibraryPath());
  await mkdir(dirname(target), { recursive: true });
  await copyFile(library, target);
  return { home, env: { LIBRARY_FILE: target } };
}

async function spawnServer(
  where: { home: string; env: Record<string, string> },
  kb: SizedKnowledgeBase,
  workers: number,
): Promise<Server & { started: number }> {
  const started = performance.now();
  const server = await startServer({
    args: [SERVER],
    cwd: where.home,
    timeoutMs: START_TIMEOUT_MS,
    env: {
      HOST: '127.0.0.1',
      ARTICLES_DIR: kb.directory,
      RESPONSE_CACHE_ENTRIES: '0',
      WORKERS: String(workers),
      DATA_DIR: join(where.home, 'data'),
      ...where.env,
    },
  });
  return { ...server, started };
}

const diagnoseRequest = (text: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ text }),
});

/** Ask until the server answers 200: a server may listen before its library is ready. */
async function firstAnswer(server: Server & { started: number }, text: string): Promise<StartUp> {
  for (;;) {
    const response = await fetch(`${server.url}/v1/diagnose`, diagnoseRequest(text)).catch(() => null);
    if (response?.ok) {
      await response.arrayBuffer();
      const ms = performance.now() - server.started;
      const memory = await treeMemoryMb(server.child.pid!);
      const prebuilt = /"prebuilt":(true|false)/.exec(server.startLog)?.[1];
      return {
        ms,
        rssMb: memory.rss,
        peakMb: memory.peak,
        processes: memory.processes,
        prebuiltUsed: prebuilt === undefined ? null : prebuilt === 'true',
      };
    }
    if (response && response.status !== 503) throw new Error(`first diagnosis answered ${response.status}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/**
 * Start the server on the articles as Markdown, time its first answer, then send the other
 * reports once each (a few to warm up, then at most `limit` counted) with the response cache off.
 */
export async function measureServer(
  kb: SizedKnowledgeBase,
  texts: string[],
  workers: number,
  limit: number,
): Promise<{ startUp: StartUp; http: HttpCost }> {
  const server = await spawnServer(await serverHome('markdown'), kb, workers);
  try {
    const startUp = await firstAnswer(server, texts[0]!);
    for (const text of texts.slice(1, 1 + WARMUP_REQUESTS))
      await (await fetch(`${server.url}/v1/diagnose`, diagnoseRequest(text))).arrayBuffer();
    const pid = server.child.pid!;
    const idleFrom = await treeCpuMs(pid);
    await new Promise((done) => setTimeout(done, IDLE_MS));
    const idleCpuMsPerSecond = ((await treeCpuMs(pid)) - idleFrom) / (IDLE_MS / 1000);
    const http = await diagnoseEachOnce(server, texts.slice(1 + WARMUP_REQUESTS, 1 + WARMUP_REQUESTS + limit));
    return { startUp, http: { ...http, idleCpuMsPerSecond } };
  } finally {
    await stopServer(server);
  }
}

/** Every report sent exactly once, over CONNECTIONS connections; the server's CPU is read before and after. */
async function diagnoseEachOnce(server: Server, texts: string[]): Promise<Omit<HttpCost, 'idleCpuMsPerSecond'>> {
  let next = 0;
  const pid = server.child.pid!;
  const cpuBefore = await treeCpuMs(pid);
  const started = performance.now();
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    pipelining: 1,
    amount: texts.length,
    requests: [
      {
        method: 'POST',
        path: '/v1/diagnose',
        headers: { 'content-type': 'application/json' },
        // One shared cursor across connections, so no report is sent twice.
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ text: texts[next++ % texts.length] }) }),
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = (await treeCpuMs(pid)) - cpuBefore;
  const answered = result['2xx'];
  if (result.errors + result.non2xx > 0)
    throw new Error(`diagnose over HTTP: ${result.errors} errors, ${result.non2xx} answers other than 2xx`);
  return { requests: answered, cpuMsPerRequest: cpuMs / Math.max(1, answered), rps: answered / seconds };
}

/** Start-up from a library the project's build made for these articles (only where the server reads one). */
export async function measurePrebuiltStartUp(kb: SizedKnowledgeBase, text: string, workers: number): Promise<StartUp> {
  const server = await spawnServer(await serverHome('prebuilt', await prebuiltLibrary(kb)), kb, workers);
  try {
    return await firstAnswer(server, text);
  } finally {
    await stopServer(server);
  }
}
