import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArticleWatcher } from '../../src/node/article-watcher.ts';
import { isArticleFileName } from '../../src/node/list-article-files.ts';
import { readArticleSources, scanArticleFolder } from '../../src/node/read-articles.ts';
import { ROOT, waitFor } from '../support/server.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-read-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const ARTICLE = (title: string): string => `---\ntitle: ${title}\n---\n## Symptoms\n${title}\n`;

describe('which files are articles', () => {
  it("takes .md files and leaves editors' temp, swap, backup and lock files alone", () => {
    for (const name of ['token.md', 'Token.MD', 'guides.md']) assert.ok(isArticleFileName(name), name);
    for (const name of [
      '.token.md.swp',
      '.token.md.swx',
      'token.md~',
      '4913',
      '.#token.md',
      '#token.md#',
      'token.md.tmp',
      'token.md.crswap',
      '~$token.md',
      'token.md___jb_tmp___',
      '.token.md.kate-swp',
      'README.md',
      'readme.md',
    ]) {
      assert.ok(!isArticleFileName(name), name);
    }
  });

  it('walks sub-folders but not hidden ones or symbolic links, and never blocks on a FIFO', async () => {
    const root = join(directory, 'walk');
    await mkdir(join(root, 'guides'), { recursive: true });
    await mkdir(join(root, '.git'), { recursive: true });
    await writeFile(join(root, 'top.md'), ARTICLE('Top'));
    await writeFile(join(root, 'guides', 'nested.md'), ARTICLE('Nested'));
    await writeFile(join(root, '.git', 'hidden.md'), ARTICLE('Hidden'));
    await symlink(join(root, 'top.md'), join(root, 'linked.md'));
    await symlink(join(root, 'guides'), join(root, 'linked-folder'));
    execFileSync('mkfifo', [join(root, 'pipe.md')]);
    assert.deepEqual(
      (await readArticleSources(root)).map((source) => source.file),
      ['guides/nested.md', 'top.md'],
    );
  });
});

describe('rescanning a folder', () => {
  it('reads only files whose inode, size or times changed, or that an event named', async () => {
    const root = join(directory, 'rescan');
    await mkdir(root);
    await writeFile(join(root, 'a.md'), ARTICLE('A'));
    await writeFile(join(root, 'b.md'), ARTICLE('B'));
    const first = await scanArticleFolder(root);
    const again = await scanArticleFolder(root, first);
    assert.equal(again.sources[0], first.sources[0], 'an unchanged file is not read again');
    const named = await scanArticleFolder(root, first, new Set([join(root, 'a.md')]));
    assert.notEqual(named.sources[0], first.sources[0], 'a file an event named is read again');
    await writeFile(join(root, 'b.md.tmp'), ARTICLE('B2'));
    await rename(join(root, 'b.md.tmp'), join(root, 'b.md'));
    const replaced = await scanArticleFolder(root, first);
    assert.equal(replaced.sources[1]?.text, ARTICLE('B2'), 'a file replaced by rename is read again');
  });
});

describe('the watcher and folders', () => {
  it('serves articles in a folder created after it started, and drops them when it goes', async () => {
    const root = join(directory, 'folders');
    await mkdir(root);
    await writeFile(join(root, 'a.md'), ARTICLE('Alpha'));
    const watcher = await ArticleWatcher.open(root);
    watcher.start({ reloaded: () => {}, failed: (error) => assert.fail(String(error)) });
    try {
      await mkdir(join(root, 'guides'));
      await writeFile(join(root, 'guides', 'b.md'), ARTICLE('Beta'));
      await waitFor(async () => watcher.current().kb.bySlug.has('b'), 3_000);
      await writeFile(join(root, 'guides', 'b.md'), ARTICLE('Gamma'));
      await waitFor(async () => watcher.current().kb.bySlug.get('b')?.title === 'Gamma', 3_000);
      await rm(join(root, 'guides'), { recursive: true });
      await waitFor(async () => !watcher.current().kb.bySlug.has('b'), 3_000);
      await mkdir(join(root, 'guides'));
      await writeFile(join(root, 'guides', 'b.md'), ARTICLE('Delta'));
      await waitFor(async () => watcher.current().kb.bySlug.get('b')?.title === 'Delta', 3_000);
    } finally {
      watcher.stop();
    }
  });
});

// Runs in a child process: as root (how these tests run here) a mode-000 file is still readable,
// so the child runs as nobody, where chmod 000 really makes the file unreadable.
const UNREADABLE_SCRIPT = `
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArticleWatcher } from ${JSON.stringify(join(ROOT, 'src', 'node', 'article-watcher.ts'))};
const directory = await mkdtemp(join(tmpdir(), 'fixpath-unreadable-'));
const file = join(directory, 'locked.md');
await writeFile(file, '---\\ntitle: Locked article\\n---\\nbody\\n');
await writeFile(join(directory, 'open.md'), '---\\ntitle: Open article\\n---\\nbody\\n');
const watcher = await ArticleWatcher.open(directory);
watcher.start({ reloaded: () => {}, failed: (error) => console.error(String(error)) });
const until = async (check) => { for (const started = Date.now(); !check() && Date.now() - started < 3000; ) await new Promise((done) => setTimeout(done, 25)); };
const state = () => ({ titles: watcher.current().kb.articles.map((article) => article.title), problems: watcher.current().kb.problems.map((problem) => problem.file + ': ' + problem.message) });
await chmod(file, 0o000);
await until(() => state().problems.length > 0);
const locked = state();
await chmod(file, 0o644);
await until(() => state().problems.length === 0);
console.log(JSON.stringify({ locked, unlocked: state() }));
watcher.stop();
await rm(directory, { recursive: true, force: true });
`;

describe('the watcher and unreadable files', () => {
  it('reports a file that became unreadable, keeps its last good version serving, and takes it back once readable', () => {
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', UNREADABLE_SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, HOME: tmpdir() },
      ...asNobody,
    });
    assert.equal(run.status, 0, run.stderr);
    const { locked, unlocked } = JSON.parse(run.stdout) as Record<
      'locked' | 'unlocked',
      { titles: string[]; problems: string[] }
    >;
    assert.deepEqual(locked.titles, ['Locked article', 'Open article']);
    assert.deepEqual(locked.problems, [
      'locked.md: the file could not be read (EACCES: permission denied); check that it is a readable file',
      'locked.md: the previous version of this article keeps serving until the file is fixed',
    ]);
    assert.deepEqual(unlocked, { titles: ['Locked article', 'Open article'], problems: [] });
  });
});
