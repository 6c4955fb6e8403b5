import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { buildLibrary, type Library } from '../../src/kb/library.ts';
import { serialiseLibrary, textStartOf } from '../../src/kb/library-data.ts';
import { searchArticles } from '../../src/kb/search-articles.ts';
import { ArticleWatcher } from '../../src/node/article-watcher.ts';
import { scanArticleFolder } from '../../src/node/read-articles.ts';
import { openLibraryFile } from '../../src/node/read-library.ts';
import { ROOT } from '../support/server.ts';

let directory: string;
let file: string;

/** What `fixpath build` writes: the library with each file's digest and on-disk signature. */
async function writeLibrary(from: string, to: string): Promise<Library> {
  const scan = await scanArticleFolder(from);
  const library = buildLibrary(scan.sources, new Date());
  for (const record of library.sources) record.signature = scan.signatures.get(record.file);
  await writeFile(to, serialiseLibrary(library));
  return library;
}

const answers = (library: Library): string =>
  JSON.stringify([
    diagnose(
      { text: 'invalid_grant: the refresh token expired after 30 days' },
      { kb: library.kb, index: library.index, clock: () => new Date('2026-12-01T00:00:00Z'), includeInternal: true },
    ),
    searchArticles(library, 'cors preflight', 5, { includeInternal: true }),
    library.kb.articles.map((article) => [article.body, article.sections, article.steps]),
  ]);

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-prebuilt-'));
  await cp(join(ROOT, 'articles'), join(directory, 'articles'), { recursive: true });
  file = join(directory, 'library.bin');
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a prebuilt library on disk', () => {
  it('is read up to the article text; the text is read from the file when an article is first needed', async () => {
    const built = await writeLibrary(join(directory, 'articles'), file);
    const opened = openLibraryFile(file)!;
    const size = (await stat(file)).size;
    assert.equal(opened.bytes.byteLength, textStartOf(opened.bytes));
    assert.ok(opened.bytes.byteLength < size * 0.8, `${opened.bytes.byteLength} of ${size} bytes read`);
    const watcher = await ArticleWatcher.open(join(directory, 'articles'), opened);
    assert.deepEqual(watcher.opened, { prebuilt: 'used', reused: built.sources.length, files: built.sources.length });
    assert.equal(answers(watcher.current()), answers(built));
  });

  it('keeps serving its text after the file is built again (replaced, not rewritten in place)', async () => {
    const built = await writeLibrary(join(directory, 'articles'), file);
    const watcher = await ArticleWatcher.open(join(directory, 'articles'), openLibraryFile(file)!);
    // Another build from other text takes the file's place, as `npm run build` does: by rename.
    // Every article's text then sits elsewhere in the new file; nothing has been read yet.
    const other = join(directory, 'other');
    await cp(join(directory, 'articles'), other, { recursive: true });
    const first = join(other, (await readdir(other)).filter((name) => name.endsWith('.md')).sort()[0]!);
    await writeFile(first, (await readFile(first, 'utf8')).replace(/\n## /, `\n${'Moved along. '.repeat(40)}\n\n## `));
    await writeLibrary(other, `${file}.next`);
    await rename(`${file}.next`, file);
    assert.equal(answers(watcher.current()), answers(built));
  });

  it('reads again only the file that changed since the build, and serves the change', async () => {
    await writeLibrary(join(directory, 'articles'), file);
    const changed = join(directory, 'articles', 'expired-access-token.md');
    const text = await readFile(changed, 'utf8');
    await writeFile(changed, text.replace(/^title: .*$/m, 'title: Wombat tokens expire at midnight'));
    const watcher = await ArticleWatcher.open(join(directory, 'articles'), openLibraryFile(file)!);
    assert.equal(watcher.opened.prebuilt, 'used');
    assert.equal(watcher.opened.reused, watcher.opened.files - 1);
    const hits = searchArticles(watcher.current(), 'wombat', 3, { includeInternal: true }).hits;
    assert.equal(hits[0]?.title, 'Wombat tokens expire at midnight');
    await writeFile(changed, text);
  });

  it('is left alone when missing, and reported when it is not a library, the articles then built as usual', async () => {
    assert.equal(openLibraryFile(join(directory, 'nothing-here.bin')), undefined);
    await writeFile(join(directory, 'garbage.bin'), 'this is not a library at all, just some text');
    assert.throws(() => openLibraryFile(join(directory, 'garbage.bin')), /not a fixpath library/);
    const watcher = await ArticleWatcher.open(join(directory, 'articles'), { problem: 'not a fixpath library' });
    assert.equal(watcher.opened.prebuilt, 'not a fixpath library');
    assert.ok(watcher.current().kb.articles.length > 20);
  });
});
