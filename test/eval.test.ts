import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricsOf, runEvaluation } from '../bench/evaluate.ts';

/** The quality gate: the build fails if diagnosis of the labelled dev cases falls below target. */
describe('diagnosis quality on ../shared/eval/dev (text and error cases)', async () => {
  const results = await runEvaluation(['text', 'error']);
  const metrics = metricsOf(results);
  const misses = results.filter((result) => !result.top1).map((result) => `${result.id}: expected ${result.expect.join('|')}, got ${result.got.join(',') || 'none'}`);

  it('scores every case', () => {
    assert.ok(metrics.cases >= 80, `${metrics.cases} cases`);
  });

  it('names the right cause first in at least 90% of cases', () => {
    assert.ok(metrics.top1 >= 0.9, `top-1 ${(metrics.top1 * 100).toFixed(1)}%\n${misses.join('\n')}`);
  });

  it('raises a false alarm on at most 10% of the cases where no auth cause applies', () => {
    assert.ok(metrics.noneCases > 0);
    assert.ok(metrics.falseAlarms <= 0.1, `false alarms ${(metrics.falseAlarms * 100).toFixed(1)}%`);
  });
});
