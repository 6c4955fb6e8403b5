import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, type RunningServer, startServer } from '../support/server.ts';

/**
 * The loop the insights exist for: customers send an error nobody wrote an article for; it shows
 * up as one gap with the right count and signature; a writer saves the drafted article with its
 * steps written; the running server reloads it; the same reports now get the new cause, and the
 * gap shows as settled from then on.
 */

// One vendor error, as five customers would paste it: different ledgers, accounts and request ids.
const reports = [1, 2, 3, 4, 5].map(
  (n) => `HTTP/1.1 409 Conflict
content-type: application/json
x-request-id: 7f3e${n}c2a-91b0-4c55-8d1e-0a2b3c4d5e6${n}

{"error":{"code":"LedgerEpochSealed","message":"Ledger epoch ${8840 + n} is sealed; postings for account ${5520 + n * 7} are closed."}}`,
);

let server: RunningServer;
let articlesDir: string;
before(async () => {
  articlesDir = mkdtempSync(join(tmpdir(), 'fixpath-loop-articles-'));
  cpSync(join(ROOT, 'articles'), articlesDir, { recursive: true });
  server = await startServer({ ARTICLES_DIR: articlesDir, ANALYTICS_FLUSH_MS: '50' });
});
after(async () => {
  await server?.stop();
  rmSync(articlesDir, { recursive: true, force: true });
});

async function diagnose(
  text: string,
): Promise<{ causes: Array<{ id: string }>; signature: { id: string; key: string } }> {
  const response = await fetch(`${server.url}/v1/diagnose`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'x-fixpath-channel': 'widget' },
    body: text,
  });
  assert.equal(response.status, 200);
  return (await response.json()) as { causes: Array<{ id: string }>; signature: { id: string; key: string } };
}

interface GapList {
  gaps: Array<{
    id: string;
    signature: string;
    status: string;
    count: number;
    settledAt: string | null;
    channels: Record<string, number>;
  }>;
}
async function gaps(status = 'all'): Promise<GapList['gaps']> {
  const response = await fetch(`${server.url}/v1/insights/gaps?status=${status}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as GapList).gaps;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('from a gap to an article, closed', () => {
  it('groups the unexplained reports into one gap, drafts the article, and settles once it is saved', async () => {
    const first = await Promise.all(reports.map(diagnose));
    for (const diagnosis of first) assert.deepEqual(diagnosis.causes, [], 'no article explains it yet');
    const signatureIds = new Set(first.map((diagnosis) => diagnosis.signature.id));
    assert.equal(signatureIds.size, 1, 'five customers, one signature');
    const [id] = signatureIds;
    assert.match(
      first[0]!.signature.key,
      /^409 · ledgerepochsealed · "ledger epoch <n> is sealed; postings for account <n> are closed\."$/,
    );

    const gap = await until('the gap', async () =>
      (await gaps('open')).find((found) => found.id === id && found.count === 5),
    );
    assert.equal(gap.status, 'open');
    assert.deepEqual(gap.channels, { widget: 5 });

    const draftResponse = await fetch(`${server.url}/v1/insights/gaps/${id}/draft`);
    assert.equal(draftResponse.status, 200);
    const draft = (await draftResponse.json()) as { filename: string; slug: string; causeId: string; markdown: string };
    assert.match(draft.markdown, /status: \[409\]/);
    assert.match(draft.markdown, /error: \["ledgerepochsealed"\]/);
    assert.match(draft.markdown, /"is sealed; postings for account"/);

    // The writer's part: a step under "Resolution steps", listed in the cause.
    const written = draft.markdown
      .replace('    steps: []', '    steps: [reopen-epoch]')
      .replace(
        /## Resolution steps\n\n[^#]*/,
        '## Resolution steps\n\n### 1. Post to the open epoch {#reopen-epoch}\n\nRead the current epoch from the ledger settings and post there; a sealed epoch takes no new postings.\n\n',
      );
    const file = join(articlesDir, `${draft.slug}.md`);
    writeFileSync(file, written);
    const lint = spawnSync(process.execPath, [join(ROOT, 'bin', 'fixpath.js'), 'lint', articlesDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    assert.doesNotMatch(lint.stdout, new RegExp(draft.slug), 'the draft with its steps has no problem at all');

    const settled = await until('the new cause', async () => {
      const again = await diagnose(reports[0]!);
      return again.causes[0]?.id === draft.causeId ? again : undefined;
    });
    assert.equal(settled.signature.id, id);
    for (const report of reports.slice(1)) assert.equal((await diagnose(report)).causes[0]?.id, draft.causeId);

    const closed = await until('the gap to settle', async () =>
      (await gaps('all')).find((found) => found.id === id && found.status === 'settled'),
    );
    assert.ok(closed.settledAt && Date.parse(closed.settledAt) <= Date.now());
    assert.equal(closed.count, 5, 'the reports it could not settle are still counted');
    assert.equal(
      (await gaps('open')).find((found) => found.id === id),
      undefined,
      'no longer in the inbox',
    );
  });
});
