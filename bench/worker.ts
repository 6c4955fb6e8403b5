import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { diagnose } from '../src/diagnose/diagnose.ts';
import { loadLibrary } from '../src/kb/library-data.ts';
import { searchArticles } from '../src/kb/search-articles.ts';
import { generateArticles } from './generate-articles.ts';

/**
 * `npm run bench:worker`: what limits a Worker, per knowledge base size (bundled articles plus
 * generated ones): the script wrangler would upload (raw and gzipped; the Free plan allows
 * 3 MiB gzipped), the library as static assets (each file at most 25 MiB), and, measured in
 * a fresh Node process standing in for a new isolate, the memory the loaded library holds
 * (heap and array buffers, against the 128 MB an isolate has) and the CPU of the first
 * request (loading the library from its bytes and answering one diagnosis; the Free plan
 * allows 10 ms). `--sizes 22,2000` chooses sizes.
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
  firstCpuMs: number;
  loadCpuMs: number;
  laterCpuMs: number;
  heapMb: number;
  buffersMb: number;
}

/** Run in a child: load the library as a new isolate would, then answer. */
function isolateFigures(): Isolate {
  const bytes = new Uint8Array(readFileSync(join(ROOT, 'dist', 'library.bin')));
  globalThis.gc?.();
  const before = process.memoryUsage();
  const cpu = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const started = cpu();
  const library = loadLibrary(bytes);
  const loaded = cpu();
  const context = { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: false };
  diagnose(
    { text: 'Our API calls fail with 401 invalid_token: the access token expired an hour after login' },
    context,
  );
  const first = cpu();
  searchArticles(library, 'refresh token expired', 10, { includeInternal: false });
  diagnose({ text: 'after the deploy every request returns 403 insufficient scope for the reports endpoint' }, context);
  const later = (cpu() - first) / 2;
  globalThis.gc?.();
  const after = process.memoryUsage();
  if (!library.kb.articles.length) throw new Error('no articles');
  return {
    loadCpuMs: loaded - started,
    firstCpuMs: first - started,
    laterCpuMs: later,
    heapMb: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    // The library's bytes stay referenced (the index arrays are views on them); counted whole.
    buffersMb: bytes.byteLength / 1024 / 1024,
  };
}

if (process.argv.includes('--isolate')) {
  process.stdout.write(JSON.stringify(isolateFigures()));
} else {
  console.log(
    'articles  script (gzip)        library assets (largest)   load CPU  first request CPU  later CPU  heap      buffers   isolate total',
  );
  for (const count of sizes()) {
    const articles = await articlesOf(count);
    const deployed = deployment(articles);
    const runs = [0, 1, 2].map(
      () =>
        JSON.parse(
          execFileSync(
            process.execPath,
            ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--isolate'],
            {
              cwd: ROOT,
              encoding: 'utf8',
            },
          ),
        ) as Isolate,
    );
    const median = (pick: (run: Isolate) => number): number => runs.map(pick).sort((a, b) => a - b)[1]!;
    const heap = median((run) => run.heapMb);
    const buffers = median((run) => run.buffersMb);
    console.log(
      [
        String(count).padEnd(8),
        `${megabytes(deployed.script)} (${megabytes(deployed.gzip)})`.padEnd(20),
        `${megabytes(deployed.assets)} (${megabytes(deployed.largest)})`.padEnd(26),
        `${median((run) => run.loadCpuMs).toFixed(1)} ms`.padStart(8),
        `${median((run) => run.firstCpuMs).toFixed(1)} ms`.padStart(17),
        `${median((run) => run.laterCpuMs).toFixed(2)} ms`.padStart(9),
        `${heap.toFixed(1)} MB`.padStart(8),
        `${buffers.toFixed(1)} MB`.padStart(8),
        `${(heap + buffers).toFixed(1)} MB`.padStart(14),
      ].join('  '),
    );
  }
  // Leave the bundled library in place for the Worker and the Node server.
  execFileSync('npx', ['tsx', 'src/cli.ts', 'build', 'articles', '-o', 'dist/library.bin'], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}
