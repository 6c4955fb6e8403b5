import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

/**
 * Captures recorded by headless Chromium (Playwright's recordHar) against local servers, one
 * scenario per cause: test/fixtures/har/record-scenarios.ts, `npm run capture:scenarios`.
 */
const SCENARIOS = join(ROOT, 'test', 'fixtures', 'har', 'scenarios');
/** The share of captures whose first cause must be the labelled one. */
const REQUIRED_SHARE = 0.85;

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const app = createApp({ library: () => library });
const labels = JSON.parse(await readFile(join(SCENARIOS, 'labels.json'), 'utf8')) as Record<string, string[]>;

interface Answer {
  summary?: string;
  causes?: Array<{ id: string; confidence: number }>;
  input?: { kind: string; failing: number };
}

async function diagnoseCapture(file: string): Promise<{ status: number; answer: Answer }> {
  const har = JSON.parse(await readFile(join(SCENARIOS, file), 'utf8')) as unknown;
  const response = await app.request('/v1/diagnose', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ har }),
  });
  return { status: response.status, answer: (await response.json()) as Answer };
}

describe('captures recorded by a real browser, one scenario per cause', () => {
  it('labels every capture with a cause, and every label has its capture', async () => {
    const files = (await readdir(SCENARIOS)).filter((name) => name.endsWith('.har')).sort();
    assert.deepEqual(Object.keys(labels).sort(), files);
    assert.ok(files.length >= 40, `only ${files.length} captures`);
    for (const [file, ids] of Object.entries(labels)) assert.ok(ids.length > 0, `${file} has no label`);
  });

  it(`reads every capture and names the labelled cause first in at least ${REQUIRED_SHARE * 100}% of them`, async () => {
    const refused: string[] = [];
    const misses: string[] = [];
    let right = 0;
    for (const [file, ids] of Object.entries(labels)) {
      const { status, answer } = await diagnoseCapture(file);
      if (status !== 200) {
        refused.push(`${file}: ${status} ${JSON.stringify(answer).slice(0, 200)}`);
        continue;
      }
      assert.equal(answer.input?.kind, 'har', file);
      const ranked = (answer.causes ?? []).slice(0, 3).map((cause) => `${cause.id} ${cause.confidence.toFixed(2)}`);
      if (ids.includes(answer.causes?.[0]?.id ?? '')) right += 1;
      else misses.push(`${file} (expected ${ids.join(' or ')}): ${ranked.join(', ') || 'no cause'}`);
    }
    const total = Object.keys(labels).length;
    const share = right / total;
    console.log(`recorded scenarios: ${right}/${total} (${(share * 100).toFixed(1)}%) named right first`);
    for (const miss of misses) console.log(`  miss ${miss}`);
    assert.deepEqual(refused, [], 'no capture is refused');
    assert.ok(
      share >= REQUIRED_SHARE,
      `${right}/${total} (${(share * 100).toFixed(1)}%) named right first, below ${REQUIRED_SHARE * 100}%; misses:\n${misses.join('\n')}`,
    );
  });
});
