// `npm run typecheck`: the core with the DOM's types only (no Node, so a stray `process` fails),
// the Node entries, tests and tools with Node's, and the Worker with the types wrangler
// generates. The three are independent, so they run side by side; each one's time is printed,
// and any failure fails the whole. (`npm run lint` checks the generated types are current.)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const checks = [
  ['core (tsconfig.json)', [tsc, '-p', 'tsconfig.json', '--noEmit']],
  ['node, tests, tools (tsconfig.node.json)', [tsc, '-p', 'tsconfig.node.json', '--noEmit']],
  ['worker (tsconfig.worker.json)', [tsc, '-p', 'tsconfig.worker.json', '--noEmit']],
];

const started = performance.now();
const results = await Promise.all(
  checks.map(
    ([name, args]) =>
      new Promise((resolve) => {
        const begun = performance.now();
        const child = spawn(process.execPath, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
        });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => resolve({ name, code, output, seconds: (performance.now() - begun) / 1000 }));
      }),
  ),
);
for (const { name, code, output, seconds } of results) {
  process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${name}: ${seconds.toFixed(1)} s\n`);
  if (code !== 0) process.stdout.write(output);
}
process.stdout.write(`type check: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
