import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, type RunningServer, startServer, waitFor } from '../support/server.ts';
import { waitForLogLine } from '../support/server-log.ts';

let server: RunningServer;
let directory: string;

const search = async (q: string): Promise<string[]> => {
  const body = (await (await fetch(`${server.url}/v1/search?q=${encodeURIComponent(q)}`)).json()) as {
    hits: Array<{ slug: string }>;
  };
  return body.hits.map((hit) => hit.slug);
};
const health = async (): Promise<{
  status: string;
  articles: number;
  problems: Array<{ file: string; message: string; line: number }>;
}> => (await (await fetch(`${server.url}/healthz`)).json()) as never;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-articles-'));
  await cp(join(ROOT, 'articles'), directory, { recursive: true });
  server = await startServer({ ARTICLES_DIR: directory });
});
after(async () => {
  await server.stop();
  await rm(directory, { recursive: true, force: true });
});

const NEW_ARTICLE = `---
title: Quokka gateway rejects the tenant header
summary: The quokka gateway needs the tenant header.
causes:
  - id: quokka-tenant-missing
    title: Quokka tenant header missing
    signals:
      status: [401]
      phrases: ["quokka tenant header missing"]
    steps: [send-tenant]
---
## Symptoms
The quokka gateway answers 401.
## Root causes
No tenant header.
## Resolution steps
### 1. Send the tenant header {#send-tenant}
\`curl -H 'x-quokka-tenant: acme' https://api.example.com\`
## Verification
It answers 200.
## Prevention
Configure the header once.
`;

describe('the Node server watches ARTICLES_DIR', () => {
  it('serves a new article within 2 seconds, without a restart', async () => {
    assert.deepEqual(await search('quokka'), []);
    await writeFile(join(directory, 'quokka-tenant.md'), NEW_ARTICLE);
    const took = await waitFor(async () => (await search('quokka'))[0] === 'quokka-tenant', 2_000);
    assert.ok(took < 2_000);
    const diagnosis = (await (
      await fetch(`${server.url}/v1/diagnose`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'error: quokka tenant header missing, 401' }),
      })
    ).json()) as { causes: Array<{ id: string }> };
    assert.equal(diagnosis.causes[0]?.id, 'quokka-tenant-missing');
  });

  it('serves an edit within 2 seconds', async () => {
    await writeFile(
      join(directory, 'quokka-tenant.md'),
      NEW_ARTICLE.replace('Quokka gateway rejects the tenant header', 'Wombat gateway rejects the tenant header'),
    );
    await waitFor(async () => (await search('wombat'))[0] === 'quokka-tenant', 2_000);
  });

  it('keeps the previous version serving when an edit breaks the file, and reports it', async () => {
    await writeFile(join(directory, 'quokka-tenant.md'), '---\ntitle: [broken\n---\n');
    await waitFor(async () => (await health()).problems.some((problem) => problem.file === 'quokka-tenant.md'), 2_000);
    const report = await health();
    assert.equal(report.status, 'degraded');
    assert.ok(
      report.problems.some((problem) => problem.file === 'quokka-tenant.md' && /not valid YAML/.test(problem.message)),
    );
    assert.deepEqual((await search('wombat')).slice(0, 1), ['quokka-tenant'], 'the last good version still answers');
    await waitForLogLine(
      server,
      'the problem with quokka-tenant.md',
      (event) => event.event === 'article-problem' && String(event.message).includes('quokka-tenant.md'),
    );
  });

  it('drops a deleted article within 2 seconds', async () => {
    await unlink(join(directory, 'quokka-tenant.md'));
    await waitFor(async () => !(await search('wombat')).includes('quokka-tenant'), 2_000);
    const report = await health();
    assert.equal(report.status, 'ok');
    assert.equal(report.articles, (await readdir(directory)).filter((file) => file.endsWith('.md')).length);
  });
});
