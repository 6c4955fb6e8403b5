import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, type RunningServer, startServer, waitFor } from '../support/server.ts';
import { waitForLogLine } from '../support/server-log.ts';

// The ways editors, tools and people really change files: each must reach the server within 3 s.
const SERVED_WITHIN_MS = 3_000;

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
  problems: Array<{ file: string; message: string; severity: string }>;
}> => (await (await fetch(`${server.url}/healthz`)).json()) as never;
const served = async (word: string, slug: string): Promise<number> =>
  waitFor(async () => (await search(word))[0] === slug, SERVED_WITHIN_MS);

const article = (title: string, cause = 'numbat-tenant-missing'): string => `---
title: ${title}
summary: A test article that the watcher keeps in step.
causes:
  - id: ${cause}
    title: Tenant header missing
    signals:
      status: [401]
      phrases: ["numbat tenant header missing"]
    steps: [send-tenant]
---
## Symptoms
The gateway answers 401.
## Root causes
No tenant header.
## Resolution steps
### 1. Send the tenant header {#send-tenant}
Send it.
## Verification
It answers 200.
## Prevention
Configure it once.
`;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-saves-'));
  await cp(join(ROOT, 'articles'), directory, { recursive: true });
  await writeFile(join(directory, 'numbat.md'), article('Numbat gateway rejects the tenant'));
  // A 0-byte article is there from the start: the server must still start and serve the rest.
  await writeFile(join(directory, 'empty.md'), '');
  server = await startServer({ ARTICLES_DIR: directory });
});
after(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('the watcher applies every kind of save', () => {
  it('starts beside a 0-byte article, serving the rest and reporting that file', async () => {
    assert.deepEqual((await search('numbat')).slice(0, 1), ['numbat']);
    const report = await health();
    assert.equal(report.status, 'degraded');
    assert.ok(
      report.problems.some((problem) => problem.file === 'empty.md' && /empty/.test(problem.message)),
      JSON.stringify(report.problems),
    );
    await waitForLogLine(
      server,
      'the problem with empty.md',
      (event) => event.event === 'article-problem' && String(event.message).includes('empty.md'),
    );
  });

  it('applies an atomic save (temp file renamed over the article) and a later in-place edit of the same file', async (t) => {
    const file = join(directory, 'numbat.md');
    await writeFile(`${file}.tmp`, article('Wombat gateway rejects the tenant'));
    await rename(`${file}.tmp`, file);
    const atomic = await served('wombat', 'numbat');
    await writeFile(file, article('Quokka gateway rejects the tenant'));
    const inPlace = await served('quokka', 'numbat');
    // Again, the other way round: the first watcher implementation lost edits after a rename.
    await writeFile(`${file}.tmp`, article('Bilby gateway rejects the tenant'));
    await rename(`${file}.tmp`, file);
    const atomicAgain = await served('bilby', 'numbat');
    await writeFile(file, article('Dunnart gateway rejects the tenant'));
    const inPlaceAgain = await served('dunnart', 'numbat');
    t.diagnostic(
      `served after atomic save ${atomic} ms, in-place edit ${inPlace} ms, atomic ${atomicAgain} ms, in-place ${inPlaceAgain} ms`,
    );
  });

  it('applies a save the way vim makes one, and never loads its temp, swap or backup files', async () => {
    const file = join(directory, 'numbat.md');
    await writeFile(join(directory, '.numbat.md.swp'), 'b0VIM 9.0 swap');
    await writeFile(join(directory, '4913'), '');
    await unlink(join(directory, '4913'));
    await rename(file, `${file}~`);
    await writeFile(file, article('Echidna gateway rejects the tenant'));
    await writeFile(join(directory, '.#numbat.md'), 'emacs lock');
    await writeFile(join(directory, '#numbat.md#'), 'emacs autosave');
    await writeFile(join(directory, 'numbat.md.crswap'), article('Crswap gateway'));
    await writeFile(join(directory, '~$numbat.md'), 'office lock');
    await served('echidna', 'numbat');
    await new Promise((done) => setTimeout(done, 400));
    const report = await health();
    const leftovers = report.problems.filter((problem) => problem.file !== 'empty.md');
    assert.deepEqual(leftovers, [], 'editor leftovers are not articles');
    assert.deepEqual(await search('crswap'), []);
    for (const name of [
      '.numbat.md.swp',
      'numbat.md~',
      '.#numbat.md',
      '#numbat.md#',
      'numbat.md.crswap',
      '~$numbat.md',
    ])
      await unlink(join(directory, name));
  });

  it('follows an article renamed to a new name', async () => {
    await rename(join(directory, 'numbat.md'), join(directory, 'numbat-renamed.md'));
    await served('echidna', 'numbat-renamed');
    assert.ok(!(await search('echidna')).includes('numbat'), 'the old slug is gone');
  });

  it('keeps the last good version of an article that became a 0-byte file, and serves its next save', async () => {
    const file = join(directory, 'numbat-renamed.md');
    await writeFile(file, '');
    await waitFor(
      async () => (await health()).problems.some((problem) => problem.file === 'numbat-renamed.md'),
      SERVED_WITHIN_MS,
    );
    assert.deepEqual((await search('echidna')).slice(0, 1), ['numbat-renamed']);
    await writeFile(file, article('Platypus gateway rejects the tenant'));
    await served('platypus', 'numbat-renamed');
  });

  it('drops a deleted article', async () => {
    await unlink(join(directory, 'numbat-renamed.md'));
    await waitFor(async () => !(await search('platypus')).includes('numbat-renamed'), SERVED_WITHIN_MS);
  });

  it('refuses an article with JavaScript frontmatter without running it', async () => {
    const marker = join(directory, 'pwned');
    await writeFile(
      join(directory, 'evil.md'),
      `---js\nrequire('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); ({ title: 'x' })\n---\nbody\n`,
    );
    await waitFor(
      async () =>
        (await health()).problems.some(
          (problem) => problem.file === 'evil.md' && /use YAML frontmatter/.test(problem.message),
        ),
      SERVED_WITHIN_MS,
    );
    assert.ok(!existsSync(marker), 'the frontmatter ran in the server');
    await unlink(join(directory, 'evil.md'));
  });

  it('serves everything once the 0-byte file is filled in', async () => {
    await writeFile(
      join(directory, 'empty.md'),
      article('Bandicoot gateway rejects the tenant', 'bandicoot-tenant-missing'),
    );
    await served('bandicoot', 'empty');
    assert.equal((await health()).status, 'ok');
  });
});
