#!/usr/bin/env node
// The CLI. A production install (`npm ci --omit=dev`) runs the built dist/cli.js with plain
// Node; a checkout with the development dependencies runs the TypeScript source through tsx, so
// a change to src/ takes effect without a build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli.js');

let tsx = null;
try {
  tsx = createRequire(import.meta.url).resolve('tsx/cli');
} catch {
  // no development dependencies: the built CLI
}
if (tsx) {
  const result = spawnSync(process.execPath, [tsx, join(root, 'src', 'cli.ts'), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write(
    'dist/cli.js is missing: run `npm run build` where the development dependencies are installed.\n',
  );
  process.exit(2);
}
