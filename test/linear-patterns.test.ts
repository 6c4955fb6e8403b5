import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FULL_BUDGET_MS,
  FULL_CHARS,
  findPatterns,
  measurePatterns,
  overBudget,
} from './support/adversarial-patterns.ts';

/**
 * Every regular expression written in `src/` runs in time linear in its input: each one's
 * slowest adversarial string (see support/adversarial-patterns.ts) is screened at 64 KiB, then
 * run at 1 MiB, the largest text any route accepts, where it must finish within 50 ms.
 */
describe('every pattern applied to input is linear', () => {
  const patterns = findPatterns();

  it('finds the patterns written in src/', () => {
    assert.ok(patterns.length > 150, `${patterns.length} patterns`);
  });

  it(`crosses every adversarial string of ${FULL_CHARS / 1024} KiB within ${FULL_BUDGET_MS} ms`, () => {
    const times = measurePatterns(patterns);
    const slow = times
      .filter(overBudget)
      .map(
        (time) =>
          `${time.where}: ${time.input} takes ${time.ms.toFixed(1)} ms at ${time.screenFailed ? '64 KiB' : '1 MiB'}`,
      );
    assert.deepEqual(slow, [], slow.join('\n'));
    const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
    process.stdout.write(`# slowest pattern at 1 MiB: ${worst.where} on ${worst.input}: ${worst.ms.toFixed(1)} ms\n`);
  });
});
