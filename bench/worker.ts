import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildLibrary } from '../src/kb/library.ts';
import { type LibraryData, loadLibrary, serialiseLibrary } from '../src/kb/library-data.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { generateArticles } from './generate-articles.ts';

/**
 * `npm run bench:worker`: what matters on Workers, for the bundled knowledge base and a
 * generated 5,000-article one: the Worker bundle (raw and gzipped, as wrangler reports it), the
 * time to load the prebuilt library when an isolate starts, and the memory the loaded library
 * takes.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LARGE = join(ROOT, 'bench', 'data', 'kb-5000');

function bundle(articles: string): { raw: number; gzip: number; library: number } {
  const out = join(ROOT, 'dist', 'bench-worker');
  // wrangler's build step runs `npm run build`, which reads ARTICLES_DIR.
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, ARTICLES_DIR: articles, WRANGLER_SEND_METRICS: 'false' },
  });
  const script = readFileSync(join(out, 'worker.js'));
  return {
    raw: script.length,
    gzip: gzipSync(script).length,
    library: statSync(join(ROOT, 'dist', 'library.json')).size,
  };
}

async function load(articles: string): Promise<{ ms: number; heapMb: number }> {
  const data = JSON.parse(
    JSON.stringify(serialiseLibrary(buildLibrary(await readArticleSources(articles), new Date()))),
  ) as LibraryData;
  const runs: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const started = performance.now();
    loadLibrary(data);
    runs.push(performance.now() - started);
  }
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = loadLibrary(data);
  globalThis.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  if (!kept.kb.articles.length) throw new Error('empty');
  return { ms: runs.sort((a, b) => a - b)[2]!, heapMb };
}

if (!existsSync(LARGE)) await generateArticles(5000, LARGE, join(ROOT, 'articles'));
console.log('knowledge base     library JSON   Worker bundle   gzipped   load (median of 5)   index heap');
for (const [name, directory] of [
  ['bundled (22)', join(ROOT, 'articles')],
  ['generated 5,000', LARGE],
] as const) {
  const size = bundle(directory);
  const loaded = await load(directory);
  console.log(
    `${name.padEnd(18)} ${`${(size.library / 1024 / 1024).toFixed(2)} MiB`.padStart(12)}   ${`${(size.raw / 1024 / 1024).toFixed(2)} MiB`.padStart(13)}   ${`${(size.gzip / 1024).toFixed(0)} KiB`.padStart(7)}   ${`${loaded.ms.toFixed(1)} ms`.padStart(18)}   ${`${loaded.heapMb.toFixed(1)} MiB`.padStart(10)}`,
  );
}
// Leave the bundled library in place for the Worker.
execFileSync('npx', ['tsx', 'src/cli.ts', 'build', 'articles', '-o', 'dist/library.json'], {
  cwd: ROOT,
  stdio: 'ignore',
});
