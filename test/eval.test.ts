import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateCorpus } from '../bench/corpus.ts';
import { metricsOf, runEvaluation, type CaseKind, type CaseResult } from '../bench/evaluate.ts';
import { needsShared } from './support/shared.ts';

/** The quality gate: the build fails if diagnosis of the labelled dev cases falls below target. */
describe('diagnosis quality on ../shared/eval/dev', async () => {
  const dev = needsShared('eval', 'dev', 'cases.jsonl');
  const results = dev.skip ? [] : await runEvaluation(['text', 'error', 'har']);
  const gate = (name: string, subset: CaseResult[]): void => {
    const metrics = metricsOf(subset);
    const misses = subset.filter((result) => !result.top1).map((result) => `${result.id}: expected ${result.expect.join('|')}, got ${result.got.join(',') || 'none'}`);
    it(`${name}: names the right cause first in at least 90% of cases`, dev, () => {
      assert.ok(metrics.cases >= 25, `${metrics.cases} cases`);
      assert.ok(metrics.top1 >= 0.9, `top-1 ${(metrics.top1 * 100).toFixed(1)}%\n${misses.join('\n')}`);
    });
    it(`${name}: raises a false alarm on at most 10% of the cases where no auth cause applies`, dev, () => {
      assert.ok(metrics.noneCases > 0);
      assert.ok(metrics.falseAlarms <= 0.1, `false alarms ${(metrics.falseAlarms * 100).toFixed(1)}%`);
    });
  };
  const of = (...kinds: CaseKind[]) => results.filter((result) => kinds.includes(result.kind));
  gate('text and error cases', of('text', 'error'));
  gate('HAR cases', of('har'));
});

/**
 * The real-world corpus ships with the project, so a fresh clone has a gate too. Its floors
 * sit just under today's figures (63.0% and 55.6% top-1, 6.7% false alarms): they stop a
 * regression, not measure progress; `npm run eval` does that.
 */
describe('diagnosis quality on the real-world corpus (bench/corpus)', async () => {
  const { inSample, vendorHeldOut } = await evaluateCorpus();
  it('names the right cause first in at least 60% of the reports, 53% vendor-held-out', () => {
    assert.ok(inSample.length >= 400, `${inSample.length} reports`);
    assert.ok(metricsOf(inSample).top1 >= 0.6, `in sample ${(metricsOf(inSample).top1 * 100).toFixed(1)}%`);
    assert.ok(metricsOf(vendorHeldOut).top1 >= 0.53, `vendor-held-out ${(metricsOf(vendorHeldOut).top1 * 100).toFixed(1)}%`);
  });
  it('raises a false alarm on at most 10% of the reports that are not authentication failures', () => {
    assert.ok(metricsOf(inSample).falseAlarms <= 0.1, `false alarms ${(metricsOf(inSample).falseAlarms * 100).toFixed(1)}%`);
  });
});
