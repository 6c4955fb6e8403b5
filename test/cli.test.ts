import assert from 'node:assert/strict';
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chunksOf, type LibraryManifest, libraryFromParts, loadLibrary } from '../src/kb/library-data.ts';
import { ROOT } from './support/server.ts';

const cli = (...args: string[]) => cliAs({}, ...args);
// What the CLI records is cli-feedback.test.ts's subject: here nothing is written into the checkout's data folder.
const cliAs = (options: SpawnSyncOptions, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'fixpath.js'), ...args], {
    cwd: ROOT,
    ...options,
    env: { ...(options.env ?? process.env), ANALYTICS: 'off' },
    encoding: 'utf8',
  });

describe('the fixpath command line', () => {
  it('lints the bundled articles clean', () => {
    const run = cli('lint', 'articles');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /0 errors/);
  });

  it('exits non-zero and names file, line and field for a broken article', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-lint-'));
    try {
      await writeFile(join(directory, 'good.md'), '---\ntitle: Good\n---\nbody\n');
      await writeFile(
        join(directory, 'bad.md'),
        '---\nsummary: no title\ncauses:\n  - id: x-cause\n    title: X\n    steps: [nowhere]\n---\nbody\n',
      );
      const run = cli('lint', directory);
      assert.equal(run.status, 1);
      assert.match(run.stdout, /bad\.md:1 error title: "title" is required/);
      assert.match(run.stdout, /bad\.md:6 error causes\[0\]\.steps: cause "x-cause" refers to step "nowhere"/);
      assert.match(run.stdout, /2 files, 1 articles/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("builds the Worker library, and fails the build on a broken article with the linter's message", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-build-'));
    try {
      await writeFile(join(directory, 'bad.md'), '---\nsummary: no title\n---\nbody\n');
      const run = cli('build', directory, '-o', join(directory, 'out', 'library.bin'));
      assert.equal(run.status, 1);
      assert.match(run.stderr, /bad\.md:1 error title: "title" is required/);
      await writeFile(join(directory, 'bad.md'), '---\ntitle: Fixed\n---\nbody\n');
      const ok = cli('build', directory, '-o', join(directory, 'out', 'library.bin'));
      assert.equal(ok.status, 0, ok.stderr);
      const library = loadLibrary(new Uint8Array(await readFile(join(directory, 'out', 'library.bin'))));
      assert.deepEqual(
        library.kb.articles.map((article) => article.slug),
        ['bad'],
      );
      // The Worker's copy: static assets beside it, a manifest, parts that make the same bytes up
      // to the article text, and text chunks that make the rest.
      const assets = join(directory, 'out', 'assets', 'library');
      const manifest = JSON.parse(await readFile(join(assets, 'manifest.json'), 'utf8')) as LibraryManifest;
      const read = async (name: string) => new Uint8Array(await readFile(join(assets, name)));
      const parts = await Promise.all(manifest.parts.map((part) => read(part.name)));
      const chunks = await Promise.all(chunksOf(manifest.text).map((chunk) => read(chunk.name)));
      const whole = new Uint8Array(await readFile(join(directory, 'out', 'library.bin')));
      // One short article: its text is small enough to travel in the parts.
      assert.equal(manifest.text.inParts, true);
      assert.deepEqual(Buffer.concat([...parts, ...chunks]), Buffer.from(whole));
      assert.equal(loadLibrary(libraryFromParts(manifest, parts)).kb.articles[0]!.body.trim(), 'body');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('diagnoses offline, as text or JSON', () => {
    const run = cli('diagnose', '{"error":"invalid_grant","error_description":"Refresh token expired"}');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^1\. Refresh token expired, revoked or already used \[refresh-token-invalid\]/m);
    const json = cli('diagnose', '--json', 'CSRF verification failed. Request aborted. 403');
    assert.equal((JSON.parse(json.stdout) as { causes: Array<{ id: string }> }).causes[0]?.id, 'csrf-token-invalid');
  });

  it('triages a capture as a table of failing exchanges, then the causes', () => {
    const run = cli('triage', join(ROOT, 'test', 'fixtures', 'har', 'chromium-playwright.har'));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^4 entries, 2 failing, written by Playwright/);
    assert.match(run.stdout, /401 {2}GET {5}http:\/\/127\.0\.0\.1:\d+\/api\/orders\?api_key=\[redacted:[0-9a-f]{8}\]/);
    assert.match(run.stdout, /token expired 15 min before the request/);
  });

  it('refuses what it cannot read with exit code 3 and a reason', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-cli-'));
    try {
      await writeFile(join(directory, 'broken.har'), '{"log": ');
      await writeFile(join(directory, 'other.json'), '{"hello": "world"}');
      const broken = cli('triage', join(directory, 'broken.har'));
      assert.equal(broken.status, 3);
      assert.match(broken.stderr, /broken\.har is not valid JSON/);
      const other = cli('sanitize', join(directory, 'other.json'), '-o', join(directory, 'out.har'));
      assert.equal(other.status, 3);
      assert.match(other.stderr, /not a HAR capture fixpath can read: "log" is missing/);
      assert.equal(cli('triage', join(directory, 'missing.har')).status, 3);
      assert.equal(cli('sanitize', join(directory, 'other.json')).status, 2, 'no -o');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('explains usage errors with exit code 2', () => {
    const run = cli('diagnose', '--bogus');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown option --bogus/);
    assert.equal(cli('frobnicate').status, 2);
  });
});

describe('articles that are not what they should be', () => {
  const evil = (marker: string) =>
    `---js\nrequire('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); ({ title: 'x' })\n---\n## Symptoms\nx\n`;

  it('lint refuses JavaScript frontmatter without running it, naming the file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-lint-js-'));
    try {
      const marker = join(directory, 'pwned');
      await writeFile(join(directory, 'good.md'), '---\ntitle: Good\n---\nbody\n');
      await writeFile(join(directory, 'evil.md'), evil(marker));
      const run = cli('lint', directory);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /^evil\.md:1 error frontmatter: .*use YAML frontmatter/m);
      assert.ok(!existsSync(marker), 'the frontmatter ran');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('build refuses JavaScript frontmatter without running it, and writes nothing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-build-js-'));
    try {
      const marker = join(directory, 'pwned');
      await writeFile(join(directory, 'evil.md'), evil(marker));
      const run = cli('build', directory, '-o', join(directory, 'library.bin'));
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /^evil\.md:1 error frontmatter: .*use YAML frontmatter/m);
      assert.ok(!existsSync(marker), 'the frontmatter ran');
      assert.ok(!existsSync(join(directory, 'library.bin')));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('lint reports an empty file, an unreadable one and raw HTML, and checks the rest', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-lint-files-'));
    try {
      await writeFile(join(directory, 'good.md'), '---\ntitle: Good\n---\n## Symptoms\n<b>bold</b>\n');
      await writeFile(join(directory, 'empty.md'), '');
      await writeFile(join(directory, 'locked.md'), '---\ntitle: Locked\n---\nbody\n');
      await writeFile(join(directory, '.good.md.swp'), 'vim swap');
      await writeFile(join(directory, 'good.md~'), 'vim backup');
      await chmod(join(directory, 'locked.md'), 0o000);
      // root reads a mode-000 file anyway, so as root the linter runs as nobody, where the file is really unreadable.
      await chmod(directory, 0o755);
      const asUnprivileged =
        process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {};
      const run = cliAs(asUnprivileged, 'lint', directory);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /^empty\.md:1 error file: the file is empty/m);
      assert.match(run.stdout, /^locked\.md:1 error file: the file could not be read \(EACCES: permission denied\)/m);
      assert.match(run.stdout, /^good\.md:5 warning body: raw HTML "<b>" is shown as text/m);
      assert.match(run.stdout, /3 files, 1 articles/, 'editor leftovers are not articles');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
