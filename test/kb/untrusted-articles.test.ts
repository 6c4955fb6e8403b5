import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { parseArticle } from '../../src/kb/parse-article.ts';
import { renderMarkdown } from '../../src/web/markdown.ts';

// Anyone who can open a pull request can write an article: nothing in one may run, on the server or in a reader's browser.

let directory: string;
let marker: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fixpath-untrusted-'));
  marker = join(directory, 'pwned');
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const pwned = (): boolean => existsSync(marker) || (globalThis as { __fixpathPwned?: boolean }).__fixpathPwned === true;
const writesMarker = (): string =>
  `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); globalThis.__fixpathPwned = true; ({ title: 'x' })`;
const runsFunction = "(function () { globalThis.__fixpathPwned = true; return { title: 'x' }; })()";

describe('article frontmatter is data, never code', () => {
  const languages = [
    'js',
    'javascript',
    ' javascript',
    'JS',
    'JavaScript',
    'coffee',
    'CoffeeScript',
    'cson',
    'json',
    'toml',
    'constructor',
    '__proto__',
    'toString',
  ];
  for (const language of languages) {
    it(`refuses ---${language} frontmatter without evaluating it`, () => {
      for (const body of [writesMarker(), runsFunction, '{"title": "x"}']) {
        for (const text of [
          `---${language}\n${body}\n---\n## Symptoms\nx\n`,
          `\uFEFF---${language}\r\n${body}\r\n---\r\nx\r\n`,
        ]) {
          const { article, problems } = parseArticle({ file: 'evil.md', text });
          assert.equal(article, null);
          assert.equal(problems.length, 1, JSON.stringify(problems));
          assert.equal(problems[0]!.field, 'frontmatter');
          assert.equal(problems[0]!.line, 1);
          assert.equal(problems[0]!.severity, 'error');
          assert.match(problems[0]!.message, /use YAML frontmatter/);
          assert.ok(!pwned(), `---${language} ran`);
        }
      }
    });
  }

  it('reads frontmatter marked as YAML, in any case', () => {
    for (const language of ['yaml', 'YAML', ' yml', 'Yml']) {
      const { article, problems } = parseArticle({
        file: 'plain.md',
        text: `---${language}\ntitle: Plain\n---\nbody\n`,
      });
      assert.equal(article?.title, 'Plain', `${language}: ${JSON.stringify(problems)}`);
    }
  });

  it('parses YAML with the safe schema: !!js/function and friends are refused', () => {
    for (const tag of [
      `!!js/function "function () { globalThis.__fixpathPwned = true; }"`,
      '!!js/undefined ""',
      '!!js/regexp /x/',
    ]) {
      const { article, problems } = parseArticle({
        file: 'tagged.md',
        text: `---\ntitle: x\nsummary: ${tag}\n---\nbody\n`,
      });
      assert.equal(article, null);
      assert.match(problems[0]!.message, /not valid YAML: unknown tag/);
    }
    assert.ok(!pwned());
  });
});

describe('files that are not articles are problems for themselves alone', () => {
  it('reports a 0-byte or blank file instead of throwing', () => {
    for (const text of ['', '\n  \n', '\uFEFF']) {
      const { article, problems } = parseArticle({ file: 'empty.md', text });
      assert.equal(article, null);
      assert.deepEqual(problems, [
        {
          file: 'empty.md',
          line: 1,
          field: 'file',
          message: 'the file is empty; an article needs YAML frontmatter with at least a title',
          severity: 'error',
        },
      ]);
    }
  });

  it('reports a file its entry could not read', () => {
    const { article, problems } = parseArticle({
      file: 'locked.md',
      text: '',
      unreadable: 'EACCES: permission denied',
    });
    assert.equal(article, null);
    assert.match(problems[0]!.message, /could not be read \(EACCES: permission denied\)/);
  });

  it('keeps serving the other articles beside an empty one', () => {
    const library = buildLibrary(
      [
        { file: 'empty.md', text: '' },
        { file: 'fine.md', text: '---\ntitle: Fine\n---\nbody\n' },
      ],
      new Date(),
    );
    assert.deepEqual(
      library.kb.articles.map((article) => article.slug),
      ['fine'],
    );
    assert.deepEqual(
      library.kb.problems.map((problem) => problem.file),
      ['empty.md'],
    );
  });
});

const HOSTILE = `---
title: Hostile markup
---
## Symptoms
Inline <span onmouseover="alert(1)">hover</span> text.

<script>globalThis.alert(1)</script>

<img src=x onerror=alert(1)>

<iframe src="https://evil.example"></iframe>

## Resolution steps
### 1. Click here {#click}
[run](javascript:alert(1)) [entity](&#106;avascript:alert(1)) [colon](javascript&#58;alert(1)) [tab](<java\tscript:alert(1)>) [vb](VBScript:msgbox) <javascript:alert(2)>
![pixel](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=) [docs](https://example.com/docs?a=1&b=2) [local](/articles/other#step) [mail](mailto:help@example.com)
`;

describe('raw HTML and script links in article Markdown', () => {
  it('lint warns about raw HTML, with its line', () => {
    const { article, problems } = parseArticle({ file: 'hostile.md', text: HOSTILE });
    assert.ok(article, 'raw HTML is a warning, not an error');
    const warnings = problems.filter((problem) => problem.field === 'body' && /raw HTML/.test(problem.message));
    assert.deepEqual(
      warnings.map((problem) => problem.line),
      [5, 7, 9, 11],
    );
    assert.ok(warnings.every((problem) => problem.severity === 'warning'));
  });

  it('the article page shows raw HTML as text and drops script links', async () => {
    const library = buildLibrary([{ file: 'hostile.md', text: HOSTILE }], new Date());
    const response = await createApp({ library: () => library }).request('/articles/hostile');
    assert.equal(response.status, 200);
    const html = await response.text();
    const article = html.slice(html.indexOf('<article>'), html.indexOf('</article>'));
    assert.doesNotMatch(article, /<(script|img|iframe|span)\b/i);
    assert.match(article, /&lt;script&gt;globalThis\.alert\(1\)&lt;\/script&gt;/);
    assert.match(article, /&lt;img src=x onerror=alert\(1\)&gt;/);
    for (const href of article.matchAll(/href="([^"]*)"/g)) {
      // What the browser reads: character references decoded once, then tabs and newlines dropped.
      const decoded = href[1]!
        .replace(/&(amp|quot|#\d+);/g, (_, name: string) =>
          name === 'amp' ? '&' : name === 'quot' ? '"' : String.fromCharCode(Number(name.slice(1))),
        )
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters URL parsers drop are control characters
        .replace(/[\u0000-\u0020]/g, '');
      assert.doesNotMatch(decoded, /^(javascript|vbscript|data):/i, `href ${href[1]}`);
    }
    assert.match(article, /<a href="https:\/\/example\.com\/docs\?a=1&amp;b=2">docs<\/a>/);
    assert.match(article, /<a href="\/articles\/other#step">local<\/a>/);
    assert.match(article, /<a href="mailto:help@example\.com">mail<\/a>/);
    assert.match(article, /<p>run <a/, 'a dropped link keeps its text');
    assert.match(article, /pixel/, 'a dropped image keeps its alt text');
  });

  it('the widget and console renderer (steps from the API) escapes HTML and drops script links', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script> <img src=x onerror=alert(1)> [run](javascript:alert(1)) [vb](vbscript:x) [d](data:text/html,x) [ok](https://example.com)',
    );
    assert.doesNotMatch(html, /<script|<img|href="(javascript|vbscript|data):/i);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /<a href="https:\/\/example\.com"/);
  });
});
