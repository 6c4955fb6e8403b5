import type { AxeResults, NodeResult, Result } from 'axe-core';
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The impacts that fail a test: a person using a keyboard, a screen reader or low vision is blocked. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

/**
 * Runs axe-core in the page as it is now (open shadow roots included), on the whole document or
 * only under `include`. Evaluating the source, rather than adding a script tag, is not subject
 * to the page's Content-Security-Policy.
 */
export async function runAxe(page: Page, include?: string): Promise<AxeResults> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(
    (selector) =>
      (window as unknown as { axe: typeof axe }).axe.run(selector ? { include: [selector] } : document, {
        resultTypes: ['violations'],
      }),
    include,
  );
}

export function blockingViolations(results: AxeResults): Result[] {
  return results.violations.filter((violation) => violation.impact && BLOCKING_IMPACTS.has(violation.impact));
}

/** `fixpath-help >>> .code pre`: a selector path that crosses shadow roots, as axe gives it. */
function targetOf(node: NodeResult): string {
  return node.target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : part)).join(' | ');
}

/** What a developer needs to fix each violation: the rule, its impact, where, and what to do. */
export function describeViolations(violations: Result[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map(
          (node) =>
            `    at ${targetOf(node)}: ${node.html.slice(0, 120)}\n      ${(node.failureSummary ?? '').replace(/:\n\s*/g, ': ').replace(/\n\s*/g, '; ')}`,
        )
        .join('\n');
      return `  ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/** Fails with the full report when axe finds a serious or critical violation; proves axe ran. */
export async function assertAccessible(page: Page, where: string, include?: string): Promise<void> {
  const results = await runAxe(page, include);
  if (results.passes.length === 0)
    throw new Error(`${where}: axe-core checked nothing (is ${include ?? 'the page'} empty?)`);
  const blocking = blockingViolations(results);
  if (blocking.length > 0)
    throw new Error(
      `${where}: ${blocking.length} serious or critical accessibility violation(s)\n${describeViolations(blocking)}`,
    );
}
