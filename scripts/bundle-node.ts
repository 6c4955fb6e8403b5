import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The Node server and the CLI as plain JavaScript (dist/server.js, dist/cli.js), so production
 * runs them with `node` and the production dependencies only. Each entry is bundled into one
 * file with the project's own modules inlined; packages stay imports, resolved from
 * node_modules at run time, so the bundle holds no copy of a dependency and `npm ci --omit=dev`
 * supplies exactly what it needs. esbuild strips the types without checking them: `npm run
 * typecheck` does that.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const result = await build({
  entryPoints: { server: join(ROOT, 'src', 'node.ts'), cli: join(ROOT, 'src', 'cli.ts') },
  outdir: join(ROOT, 'dist'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.js')) process.stdout.write(`${file}: ${(output.bytes / 1024).toFixed(0)} KiB\n`);
}
