/**
 * The long fuzz run: the generator of test/http/fuzz.test.ts with many seeds, in process.
 * `npm run fuzz -- [requests per seed] [seeds] [first seed]`. Prints every 5xx with the request
 * that caused it, and the count of each status.
 */

import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { createApp } from '../src/http/app.ts';
import { buildLibrary } from '../src/kb/library.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { fuzzRequests } from '../test/support/fuzz-requests.ts';

const [perSeed = 5000, seeds = 20, firstSeed = 1] = process.argv
  .slice(2)
  .filter((arg) => arg !== '--')
  .map(Number);
const library = buildLibrary(await readArticleSources('articles'), new Date());
let lastError: unknown;
const app = createApp({
  library: () => library,
  limits: DEFAULT_LIMITS,
  onUnexpectedError: (error) => (lastError = error),
});
const statuses = new Map<number, number>();
let failures = 0;
const started = performance.now();
for (let seed = firstSeed; seed < firstSeed + seeds; seed += 1) {
  for (const request of fuzzRequests(seed, perSeed)) {
    const response = await app.request(request.path, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500) {
      failures += 1;
      console.log(
        `seed ${seed}: ${request.method} ${request.path} → ${response.status} (${lastError instanceof Error ? lastError.message : String(lastError)})\n  ${String(request.body ?? '').slice(0, 300)}`,
      );
    }
  }
}
const total = perSeed * seeds;
console.log(
  `${total} requests over ${seeds} seeds in ${((performance.now() - started) / 1000).toFixed(1)} s: ${failures} answered 5xx`,
);
console.log(
  [...statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([status, count]) => `${status}: ${count}`)
    .join(', '),
);
process.exitCode = failures > 0 ? 1 : 0;
