#!/usr/bin/env node
// `npm start`: runs the built server, dist/server.js, with plain Node. In a checkout that has the
// development dependencies it builds first (articles, browser code, server), so `npm ci && npm
// start` works from a fresh clone and never runs a stale build. A production install (`npm ci
// --omit=dev`) has no build tools and runs the dist/ that `npm run build` made beforehand.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = join(root, 'dist', 'server.js');

function hasBuildTools() {
  try {
    createRequire(import.meta.url).resolve('tsx/package.json');
    return true;
  } catch {
    return false;
  }
}

if (hasBuildTools()) {
  const npm = process.env.npm_execpath;
  const built = npm
    ? spawnSync(process.execPath, [npm, 'run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
} else if (!existsSync(server)) {
  process.stderr.write(
    'dist/server.js is missing: run `npm ci && npm run build` where the development dependencies are installed, then ship dist/ with the production install.\n',
  );
  process.exit(1);
}
await import(pathToFileURL(server).href);
