import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { registerHooks } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadLibrary } from '../src/kb/library-data.ts';
import { withGlobalScopeRules } from '../test/support/global-scope.ts';
import { generateArticles } from './generate-articles.ts';

/**
 * `npm run bench:worker`: what limits a Worker, per knowledge base size (bundled articles plus
 * generated ones): the script wrangler would upload (raw and gzipped; the Free plan allows
 * 3 MiB gzipped), the library as static assets (each file at most 25 MiB), and, measured in
 * fresh Node processes standing in for new isolates (see THREAD_ONLY for how), running the script
 * wrangler built: the CPU of its global scope (start-up, which Workers limit to 1 s apart from
 * any request), of the isolate's first request (a diagnosis, which reads the library from the
 * static assets; the Free plan allows 10 ms per request) and of later ones, and the memory the
 * library holds (heap and array buffers, against the 128 MB an isolate has). A do-nothing
 * Worker measured the same way shows the stand-in runtime's own share of each figure (Node's
 * Request and Response are JavaScript; workerd's are not). `--sizes 22,2000` chooses sizes;
 * `--thread` counts the main thread alone (see THREAD_ONLY); `--node-assets` hands the static
 * assets over through Node's Response (see NODE_ASSETS); `--exhaust` adds the memory an isolate
 * holds once it has read every article (see EXHAUST); `--isolate <script> --profile <file>`
 * profiles one isolate's first request (see PROFILE).
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bench-worker');

function sizes(): number[] {
  const at = process.argv.indexOf('--sizes');
  const text = at >= 0 ? process.argv[at + 1] : '22,1000,2000,5000';
  return text!.split(',').map(Number);
}

function bundledCount(): number {
  return readdirSync(join(ROOT, 'articles')).filter((file) => file.endsWith('.md')).length;
}

/** The bundled articles plus generated ones, `count` in all; cached between runs. */
async function articlesOf(count: number): Promise<string> {
  const bundled = bundledCount();
  if (count <= bundled) return join(ROOT, 'articles');
  const directory = join(ROOT, 'bench', 'data', `worker-kb-${count}`);
  if (existsSync(join(directory, '.complete'))) return directory;
  await generateArticles(count - bundled, directory, join(ROOT, 'articles'));
  cpSync(join(ROOT, 'articles'), directory, { recursive: true });
  execFileSync('touch', [join(directory, '.complete')]);
  return directory;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** The Worker as wrangler would deploy it, and its static assets. */
function deployment(articles: string): { script: number; gzip: number; assets: number; largest: number } {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  // wrangler's build step runs `npm run build:library`, which reads ARTICLES_DIR.
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', OUT], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, ARTICLES_DIR: articles, WRANGLER_SEND_METRICS: 'false' },
  });
  const script = readFileSync(join(OUT, 'worker.js'));
  const assets = join(ROOT, 'dist', 'assets', 'library');
  const files = readdirSync(assets).map((name) => statSync(join(assets, name)).size);
  return {
    script: script.length,
    gzip: gzipSync(script).length,
    assets: files.reduce((sum, size) => sum + size, 0),
    largest: Math.max(...files),
  };
}

interface Isolate {
  /** The script's global scope: what workerd runs when it starts an isolate, before any request. */
  startCpuMs: number;
  firstCpuMs: number;
  /** Of the first request: reading the library from its bytes. */
  loadCpuMs: number;
  laterCpuMs: number;
  heapMb: number;
  buffersMb: number;
  /** With `--exhaust`: heap and array buffers once every article, its page and its diagnosis have been read. */
  exhaustedMb?: number;
}

const FIRST_REPORT = 'Our API calls fail with 401 invalid_token: the access token expired an hour after login';
const LATER_REQUESTS = [
  {
    path: '/v1/diagnose',
    text: 'after the deploy every request returns 403 insufficient scope for the reports endpoint',
  },
  { path: '/v1/search?q=refresh%20token%20expired' },
  { path: '/v1/diagnose', text: 'the browser console says blocked by CORS policy on the preflight for our API' },
  { path: '/v1/search?q=saml%20assertion' },
];

/**
 * Run in a child standing in for a new isolate: import the script wrangler built (its global
 * scope runs, as workerd runs it at start-up), then send it requests as workerd would, with the
 * static assets already in memory (reading them is I/O in workerd: the request pays for copying
 * their bytes, see NODE_ASSETS) and no edge cache. CPU is the process's (user + system)
 * around each request.
 */
async function isolateFigures(script: string): Promise<Isolate> {
  const assetsDirectory = join(ROOT, 'dist', 'assets');
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of readdirSync(join(assetsDirectory, 'library')))
    assets.set(`/library/${name}`, new Uint8Array(readFileSync(join(assetsDirectory, 'library', name))));
  let fetchedBytes = 0;
  const env = {
    LOCAL_MODE: 'true',
    // Reading every article is thousands of requests from one client.
    ...(EXHAUST ? { RATE_LIMIT_PER_MINUTE: '100000' } : {}),
    ASSETS: {
      fetch: async (request: Request | string): Promise<Response> => {
        const bytes = assets.get(new URL(typeof request === 'string' ? request : request.url).pathname);
        fetchedBytes += bytes?.byteLength ?? 0;
        if (!bytes) return new Response('not found', { status: 404 });
        return NODE_ASSETS ? new Response(bytes) : assetResponse(bytes);
      },
    },
  };
  const noCache = { match: async () => undefined, put: async () => undefined, delete: async () => false };
  Object.assign(globalThis, { caches: { default: noCache, open: async () => noCache } });
  const context = { waitUntil: () => undefined, passThroughOnException: () => undefined };
  const cpu = (): number => {
    const { user, system } = THREAD_ONLY ? process.threadCpuUsage() : process.cpuUsage();
    return (user + system) / 1000;
  };
  // Node loads its Web APIs (fetch's Request and Response, streams, Web Crypto) on first use;
  // workerd has them built in. Load them here, so their cost is not counted as the script's.
  const warm = new Request('https://warm.invalid/', { method: 'POST', body: '{"a":1}', headers: { a: 'b' } });
  await new Response(warm.body, { headers: { 'content-type': 'application/json' } }).json();
  await Response.json({ a: 1 }).text();
  await crypto.subtle.digest('SHA-256', new Uint8Array(8));
  // workerd offers the bindings in the global scope too, as the module `cloudflare:workers`.
  Object.assign(globalThis, { [BENCH_ENV]: env });
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'cloudflare:workers'
        ? {
            url: `data:text/javascript,export const env = globalThis[${JSON.stringify(BENCH_ENV)}];`,
            shortCircuit: true,
          }
        : next(specifier, context),
  });
  globalThis.gc?.();
  const before = process.memoryUsage();
  const imported = cpu();
  // The global scope runs under workerd's rules, which refuse the warm-up's responses. workerd
  // settles what it started (the warm-up's route requests) before any request; here Web Crypto's
  // digest answers from another thread, so the warm-up is done when it logs so.
  const { result: worker } = await withGlobalScopeRules(async () => {
    const log = console.log;
    const warmedUp = new Promise<void>((resolve) => {
      console.log = (...items: unknown[]) => {
        log(...items);
        if (String(items[0]).includes('"event":"warmed-up"')) resolve();
      };
    });
    const module = await import(pathToFileURL(script).href);
    if (script !== DO_NOTHING) await warmedUp;
    console.log = log;
    return module.default as { fetch: (request: Request, env: unknown, context: unknown) => Promise<Response> };
  });
  const started = cpu();
  const send = async ({ path, text }: { path: string; text?: string }): Promise<void> => {
    const request = new Request(`https://fixpath.example${path}`, {
      method: text === undefined ? 'GET' : 'POST',
      ...(text === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) }),
    });
    const response = await worker.fetch(request, env, context);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`);
  };
  const profiling = PROFILE && (await startProfile());
  await send({ path: '/v1/diagnose', text: FIRST_REPORT });
  const first = cpu();
  if (profiling) await profiling();
  for (const request of LATER_REQUESTS) await send(request);
  const later = (cpu() - first) / LATER_REQUESTS.length;
  // What reading the library costs the first request, measured alone on the same bytes with
  // this copy of the code compiled (as the script's is by its warm-up).
  const loadCpuMs = script === DO_NOTHING ? 0 : loadCpu(cpu);
  globalThis.gc?.();
  const after = process.memoryUsage();
  let exhaustedMb: number | undefined;
  if (EXHAUST && script !== DO_NOTHING) {
    // The most an isolate can come to hold: every article read, as JSON and as a diagnosis of its
    // title, so that every chunk of article text and most phrase groups have been fetched.
    const list = await worker.fetch(new Request('https://fixpath.example/v1/articles'), env, context);
    const { articles } = (await list.json()) as { articles: Array<{ slug: string; title: string }> };
    for (const { slug, title } of articles) {
      await send({ path: `/v1/articles/${slug}` });
      await send({ path: '/v1/diagnose', text: `${title}: it fails for every user since this morning` });
    }
    // Array buffers are freed after a collection, off the main thread: collect, wait, collect.
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    globalThis.gc?.();
    const exhausted = process.memoryUsage();
    // The stand-in holds every asset's bytes itself: what is beyond them is the isolate's.
    const standIn = [...assets.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0);
    exhaustedMb = (exhausted.heapUsed - before.heapUsed + exhausted.arrayBuffers - standIn) / 1024 / 1024;
  }
  return {
    startCpuMs: started - imported,
    firstCpuMs: first - started,
    loadCpuMs,
    laterCpuMs: later,
    heapMb: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    // The library's bytes stay referenced (the index arrays are views on them); counted whole.
    // What the isolate fetched from the assets and holds: the parts read at load, and the text
    // chunks the requests read (the index arrays are views on the parts; counted whole).
    buffersMb: fetchedBytes / 1024 / 1024,
    ...(exhaustedMb === undefined ? {} : { exhaustedMb }),
  };
}

/** Where the stand-in keeps the bindings the script imports from `cloudflare:workers`. */
const BENCH_ENV = '__fixpathBenchEnv';

/**
 * A Worker that does nothing but what the runtime must: on its first request it fetches the
 * same library parts from the assets (without reading them), then it reads each body and
 * answers a fixed JSON of about a diagnosis's size. Measured the same way, it shows what the
 * stand-in runtime itself spends, moving bytes included.
 */
const DO_NOTHING = join(OUT, 'do-nothing.js');
const DO_NOTHING_SCRIPT = `let parts;
export default {
  async fetch(request, env) {
    const asset = (name) => env.ASSETS.fetch('https://assets.invalid/library/' + name);
    parts ??= asset('manifest.json')
      .then((response) => response.json())
      .then((manifest) => Promise.all(manifest.parts.map(async (part) => new Uint8Array(await (await asset(part.name)).arrayBuffer()))));
    await parts;
    const body = await request.text();
    return new Response(JSON.stringify({ size: body.length, pad: 'x'.repeat(6000) }), { headers: { 'content-type': 'application/json' } });
  },
};
`;

/**
 * How CPU is counted. By default V8 runs `--single-threaded`: the compiling and collecting it
 * would do on background threads happens on the one thread, and the whole process's CPU is
 * counted, an upper bound. `--thread` counts the main thread alone with V8's background threads
 * running, closer to a Worker's CPU time (workerd compiles optimised code off the request's
 * thread); the kernel counts a thread's time in ticks of a few milliseconds, so that figure is
 * the mean of more processes.
 */
const THREAD_ONLY = process.argv.includes('--thread');
/**
 * How the stand-in hands over a static asset. workerd reads an asset's body natively: what the
 * isolate pays is one copy of its bytes into an ArrayBuffer (and the memory faulted in for it).
 * So does the stand-in by default. Node's own Response moves a body through JavaScript streams
 * and copies it twice, about 2 ms per MiB here, which drowned the rest at 2,000 articles (46 ms
 * of the do-nothing Worker's first request); `--node-assets` measures that way instead.
 */
const NODE_ASSETS = process.argv.includes('--node-assets');
/**
 * `--exhaust` adds, per size, one more isolate that reads every article and diagnoses each
 * one's title after the usual requests: the memory it then holds is the most an isolate comes
 * to hold, since fetched chunks and read articles are kept.
 */
const EXHAUST = process.argv.includes('--exhaust');

function assetResponse(bytes: Uint8Array<ArrayBuffer>): Response {
  const body = { ok: true, status: 200, arrayBuffer: async () => bytes.slice().buffer };
  return { ...body, json: async () => JSON.parse(new TextDecoder().decode(await body.arrayBuffer())) } as Response;
}
/**
 * `--profile <file>` (with `--isolate`): a CPU profile of the first request alone, sampled every
 * 50 µs, written to the file (open it in Chrome's DevTools). Sampling costs CPU: the figures of
 * a profiled run are not comparable.
 */
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;

/** Starts the profiler; what it returns stops it and writes the profile to `PROFILE`. */
async function startProfile(): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(PROFILE!, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Fresh processes per figure: each is one new isolate. */
const RUNS = THREAD_ONLY ? 15 : 5;

function isolateRuns(script: string): (pick: (run: Isolate) => number) => number {
  const runs = Array.from(
    { length: RUNS },
    () =>
      JSON.parse(
        // The script logs to stdout too: the figures are the last line.
        execFileSync(
          process.execPath,
          [
            ...(THREAD_ONLY ? [] : ['--single-threaded']),
            '--expose-gc',
            '--import',
            'tsx',
            fileURLToPath(import.meta.url),
            '--isolate',
            script,
            ...(THREAD_ONLY ? ['--thread'] : []),
            ...(NODE_ASSETS ? ['--node-assets'] : []),
          ],
          { cwd: ROOT, encoding: 'utf8' },
        )
          .trim()
          .split('\n')
          .at(-1)!,
      ) as Isolate,
  );
  // The median of five, or the mean of the thread's tick-counted times.
  return (pick) =>
    THREAD_ONLY
      ? runs.map(pick).reduce((sum, value) => sum + value, 0) / RUNS
      : runs.map(pick).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** CPU of reading the library from its bytes, this copy of the code compiled; the bytes are not kept. */
function loadCpu(cpu: () => number): number {
  const bytes = new Uint8Array(readFileSync(join(ROOT, 'dist', 'library.bin')));
  loadLibrary(bytes);
  const started = cpu();
  loadLibrary(bytes);
  return cpu() - started;
}

/** One isolate run with `--exhaust`: the memory it holds once it has read everything. */
function exhaustedMemory(script: string): number {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--isolate', script, '--exhaust'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 },
  );
  return (JSON.parse(output.trim().split('\n').at(-1)!) as Isolate).exhaustedMb!;
}

if (process.argv.includes('--isolate')) {
  process.stdout.write(JSON.stringify(await isolateFigures(process.argv[process.argv.indexOf('--isolate') + 1]!)));
} else {
  console.log(
    THREAD_ONLY
      ? 'CPU of the main thread alone, V8 compiling in the background (mean of 15 processes)'
      : 'CPU of the whole process, V8 single-threaded (median of 5 processes)',
  );
  console.log(
    `articles  script (gzip)        library assets (largest)   start-up CPU  first request CPU (load)  later CPU  heap      buffers   isolate total   do-nothing: first  later${EXHAUST ? '  all read: memory' : ''}`,
  );
  for (const count of sizes()) {
    const articles = await articlesOf(count);
    const deployed = deployment(articles);
    writeFileSync(DO_NOTHING, DO_NOTHING_SCRIPT);
    const baseline = isolateRuns(DO_NOTHING);
    const median = isolateRuns(join(OUT, 'worker.js'));
    const exhausted = EXHAUST ? exhaustedMemory(join(OUT, 'worker.js')) : undefined;
    const heap = median((run) => run.heapMb);
    const buffers = median((run) => run.buffersMb);
    console.log(
      [
        String(count).padEnd(8),
        `${megabytes(deployed.script)} (${megabytes(deployed.gzip)})`.padEnd(20),
        `${megabytes(deployed.assets)} (${megabytes(deployed.largest)})`.padEnd(26),
        `${median((run) => run.startCpuMs).toFixed(1)} ms`.padStart(12),
        `${median((run) => run.firstCpuMs).toFixed(1)} ms (${median((run) => run.loadCpuMs).toFixed(1)})`.padStart(24),
        `${median((run) => run.laterCpuMs).toFixed(2)} ms`.padStart(9),
        `${heap.toFixed(1)} MB`.padStart(8),
        `${buffers.toFixed(1)} MB`.padStart(8),
        `${(heap + buffers).toFixed(1)} MB`.padStart(14),
        `${baseline((run) => run.firstCpuMs).toFixed(1)} ms`.padStart(19),
        `${baseline((run) => run.laterCpuMs).toFixed(2)} ms`.padStart(7),
        ...(exhausted === undefined ? [] : [`${exhausted.toFixed(1)} MB`.padStart(16)]),
      ].join('  '),
    );
  }
  // Leave the bundled library in place for the Worker and the Node server.
  execFileSync('npx', ['tsx', 'src/cli.ts', 'build', 'articles', '-o', 'dist/library.bin'], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}
