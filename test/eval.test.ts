import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricsOf, runEvaluation, type CaseKind, type CaseResult } from '../bench/evaluate.ts';

/** The quality gate: the build fails if diagnosis of the labelled dev cases falls below target. */
describe('diagnosis quality on ../shared/eval/dev', async () => {
  const results = await runEvaluation(['text', 'error', 'har']);
  const gate = (name: string, subset: CaseResult[]): void => {
    const metrics = metricsOf(subset);
    const misses = subset.filter((result) => !result.top1).map((result) => `${result.id}: expected ${result.expect.join('|')}, got ${result.got.join(',') || 'none'}`);
    it(`${name}: names the right cause first in at least 90% of cases`, () => {
      assert.ok(metrics.cases >= 25, `${metrics.cases} cases`);
      assert.ok(metrics.top1 >= 0.9, `top-1 ${(metrics.top1 * 100).toFixed(1)}%\n${misses.join('\n')}`);
    });
    it(`${name}: raises a false alarm on at most 10% of the cases where no auth cause applies`, () => {
      assert.ok(metrics.noneCases > 0);
      assert.ok(metrics.falseAlarms <= 0.1, `false alarms ${(metrics.falseAlarms * 100).toFixed(1)}%`);
    });
  };
  const of = (...kinds: CaseKind[]) => results.filter((result) => kinds.includes(result.kind));
  gate('text and error cases', of('text', 'error'));
  gate('HAR cases', of('har'));
});
