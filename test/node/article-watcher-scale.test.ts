import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateArticles } from '../../bench/generate-articles.ts';
import { searchArticles } from '../../src/kb/search-articles.ts';
import { ArticleWatcher } from '../../src/node/article-watcher.ts';
import { ROOT } from '../support/server.ts';

let directory: string;
let watcher: ArticleWatcher;
const reloads: Array<{ at: number; articles: number }> = [];

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-scale-'));
  await generateArticles(1000, directory, join(ROOT, 'articles'));
  watcher = await ArticleWatcher.open(directory);
  watcher.start({
    reloaded: (library) => reloads.push({ at: Date.now(), articles: library.kb.articles.length }),
    failed: (error) => assert.fail(String(error)),
  });
});
after(async () => {
  watcher?.stop();
  await rm(directory, { recursive: true, force: true });
});

const titles = (query: string) =>
  searchArticles(watcher.current(), query, 5, { includeInternal: true }).hits.map((hit) => hit.title);

describe('watching 1,000 articles', () => {
  it('serves an edit within 2 seconds, updating only what changed', async () => {
    const file = join(directory, 'generated-00042.md');
    const before = watcher.current();
    const edited = (await readFile(file, 'utf8')).replace(
      /^title: .*$/m,
      'title: "Generated 42: platypus gateway rejects tenant"',
    );
    const started = Date.now();
    await writeFile(file, edited);
    while (!titles('platypus').includes('Generated 42: platypus gateway rejects tenant')) {
      assert.ok(Date.now() - started < 2_000, `not served after ${Date.now() - started} ms`);
      await new Promise((done) => setTimeout(done, 25));
    }
    const after = watcher.current();
    assert.notEqual(after, before, 'a new library was swapped in');
    assert.equal(after.kb.articles.length, 1000);
    assert.equal(
      after.kb.bySlug.get('generated-00041'),
      before.kb.bySlug.get('generated-00041'),
      'unchanged articles are reused',
    );
    assert.deepEqual(titles('platypus').slice(0, 1), ['Generated 42: platypus gateway rejects tenant']);
    assert.ok(
      !searchArticles(before, 'platypus', 5, { includeInternal: true }).hits.some(
        (hit) => hit.slug === 'generated-00042',
      ),
      'the index in service before the swap was not changed',
    );
  });

  it('drops a deleted article from search and diagnosis data', async () => {
    const started = Date.now();
    await rm(join(directory, 'generated-00042.md'));
    while (watcher.current().kb.bySlug.has('generated-00042')) {
      assert.ok(Date.now() - started < 2_000);
      await new Promise((done) => setTimeout(done, 25));
    }
    assert.deepEqual(
      titles('platypus').filter((title) => title.includes('platypus')),
      [],
    );
    assert.equal(watcher.current().index.causes.documentCount, watcher.current().kb.causes.length);
  });
});
