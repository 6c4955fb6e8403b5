import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { parseArticle } from '../../src/kb/parse-article.ts';

const VALID = `---
title: "Token expired"
summary: The token is past its exp.
tags: [jwt]
updated: 2026-06-03
causes:
  - id: token-expired
    title: Access token has expired
    signals:
      status: [401]
      phrases: ["jwt expired"]
    steps: [refresh]
---
## Symptoms
It fails.
## Root causes
Old token.
## Resolution steps
### 1. Refresh the token {#refresh}
Run \`curl\`.
## Verification
Works.
## Prevention
Refresh early.
`;

describe('parseArticle', () => {
  it('reads a valid article with defaults for optional fields', () => {
    const { article, problems } = parseArticle({ file: 'token-expired.md', text: VALID });
    assert.deepEqual(problems, []);
    assert.ok(article);
    assert.equal(article.slug, 'token-expired');
    assert.equal(article.visibility, 'public');
    assert.equal(article.updated, '2026-06-03');
    assert.deepEqual(article.related, []);
    assert.equal(article.causes[0]?.id, 'token-expired');
    assert.deepEqual(article.causes[0]?.stepIds, ['refresh']);
    assert.equal(article.steps.find((step) => step.id === 'refresh')?.title, 'Refresh the token');
    assert.deepEqual(article.causes[0]?.signals.error, []);
  });

  it('loads an article written elsewhere with only a title', () => {
    const { article, problems } = parseArticle({ file: 'minimal.md', text: '---\ntitle: Minimal\n---\nJust text.\n' });
    assert.ok(article);
    assert.equal(article.summary, '');
    assert.deepEqual(article.causes, []);
    assert.deepEqual(problems, []);
  });

  it('reports bad YAML with the file and the line', () => {
    const text = '---\ntitle: "ok"\nsummary: [unclosed\ntags: [a]\n---\nbody\n';
    const { article, problems } = parseArticle({ file: 'broken.md', text });
    assert.equal(article, null);
    assert.equal(problems[0]?.file, 'broken.md');
    assert.equal(problems[0]?.field, 'frontmatter');
    assert.match(problems[0]!.message, /not valid YAML/);
    assert.ok(problems[0]!.line === 3 || problems[0]!.line === 4, `line ${problems[0]!.line}`);
  });

  it('reports a missing title on the title field', () => {
    const { article, problems } = parseArticle({ file: 'untitled.md', text: '---\nsummary: no title here\n---\nbody' });
    assert.equal(article, null);
    assert.deepEqual(
      problems.map((problem) => [problem.field, problem.severity]),
      [['title', 'error']],
    );
  });

  it('reports a step reference with no heading, at the line of the steps list', () => {
    const text = VALID.replace('steps: [refresh]', 'steps: [refresh, rotate-keys]');
    const { article, problems } = parseArticle({ file: 'steps.md', text });
    assert.equal(article, null);
    const problem = problems.find((candidate) => candidate.field === 'causes[0].steps');
    assert.ok(problem);
    assert.match(problem.message, /"rotate-keys".*\{#rotate-keys\}/);
    assert.equal(
      problem.line,
      text.split('\n').findIndex((line) => line.includes('steps: [refresh, rotate-keys]')) + 1,
    );
  });

  it('reports an invalid cause id and a bad status code', () => {
    const text = VALID.replace('id: token-expired', 'id: Token Expired!').replace('status: [401]', 'status: [4011]');
    const { problems } = parseArticle({ file: 'ids.md', text });
    assert.ok(problems.some((problem) => problem.field === 'causes[0].id'));
  });

  it('reads mechanism words and warns about entries that are no word at all or too long to be one', () => {
    const text = VALID.replace(
      'phrases: ["jwt expired"]',
      'phrases: ["jwt expired"]\n      words: [lifetime, "an hour", "the", "token lives only one hour", lifetime]',
    );
    const { article, problems } = parseArticle({ file: 'words.md', text });
    assert.deepEqual(article?.causes[0]?.signals.words, ['lifetime', 'an hour']);
    const warnings = problems
      .filter((problem) => problem.field === 'causes[0].signals.words')
      .map((problem) => problem.message);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.some((message) => message.includes('"the"')));
    assert.ok(warnings.some((message) => message.includes('"token lives only one hour"')));
    assert.ok(warnings.some((message) => message.includes('twice')));
  });

  it('warns about missing sections without rejecting the article', () => {
    const text = VALID.replace('## Prevention\nRefresh early.\n', '');
    const { article, problems } = parseArticle({ file: 'short.md', text });
    assert.ok(article);
    assert.deepEqual(
      problems.map((problem) => [problem.severity, problem.message]),
      [['warning', 'missing section "## Prevention"']],
    );
  });
});

describe('buildKnowledgeBase', () => {
  it('keeps serving the good articles when one is broken', () => {
    const kb = buildKnowledgeBase([
      { file: 'token-expired.md', text: VALID },
      { file: 'broken.md', text: '---\ntitle: [\n---\n' },
    ]);
    assert.deepEqual(
      kb.articles.map((article) => article.slug),
      ['token-expired'],
    );
    assert.equal(kb.problems.filter((problem) => problem.severity === 'error').length, 1);
  });

  it('refuses a duplicate slug and a cause declared twice, naming the first owner', () => {
    const kb = buildKnowledgeBase([
      { file: 'a/token-expired.md', text: VALID },
      { file: 'b/token-expired.md', text: VALID },
      { file: 'other.md', text: VALID.replace('title: "Token expired"', 'title: Other') },
    ]);
    assert.equal(kb.articles.length, 1);
    const messages = kb.problems.map((problem) => `${problem.file}: ${problem.message}`);
    assert.ok(
      messages.some((message) =>
        /b\/token-expired.md: slug "token-expired" is already used by a\/token-expired.md/.test(message),
      ),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((message) =>
        /other.md: cause "token-expired" is already declared by a\/token-expired.md/.test(message),
      ),
      messages.join('\n'),
    );
  });

  it('warns about related slugs that do not exist', () => {
    const kb = buildKnowledgeBase([
      { file: 'token-expired.md', text: VALID.replace('tags: [jwt]', 'tags: [jwt]\nrelated: [nowhere]') },
    ]);
    assert.equal(kb.articles.length, 1);
    assert.match(kb.problems[0]!.message, /related article "nowhere" does not exist/);
  });
});

describe('internal articles', () => {
  it('are never linked from public ones: the links become text, related entries go, the author is told', () => {
    const internal = {
      file: 'runbook.md',
      text: '---\ntitle: Runbook\nvisibility: internal\n---\n## Steps\nInternal only.\n',
    };
    const linking = {
      file: 'guide.md',
      text: `---\ntitle: Guide\nrelated: [runbook]\n---\n## Steps\nSee [the runbook](/articles/runbook#steps) and [other](/articles/guide).\n`,
    };
    const kb = buildKnowledgeBase([internal, linking]);
    const guide = kb.bySlug.get('guide')!;
    assert.match(guide.body, /See the runbook and \[other\]\(\/articles\/guide\)\./);
    assert.deepEqual(guide.related, []);
    assert.ok(!JSON.stringify(guide).includes('/articles/runbook'));
    assert.match(kb.problems[0]!.message, /refers to internal article "runbook"/);
  });
});

describe('questions for the chat', () => {
  const withQuestion = (file: string, cause: string, options: string, expect: string) => ({
    file,
    text: `---\ntitle: ${file}\ncauses:\n  - id: ${cause}\n    title: T\n    questions:\n      - id: when\n        ask: "When?"\n        options: ${options}\n        expect: ${expect}\n---\nbody\n`,
  });
  it("reads a cause's questions and refuses an expected answer that is not an option", () => {
    const ok = buildKnowledgeBase([withQuestion('a.md', 'a-cause', '["Now", "Later"]', '["Now"]')]);
    assert.deepEqual(ok.causes[0]?.questions, [
      { id: 'when', ask: 'When?', options: ['Now', 'Later'], expect: ['Now'] },
    ]);
    const bad = buildKnowledgeBase([withQuestion('b.md', 'b-cause', '["Now", "Later"]', '["Never"]')]);
    assert.equal(bad.articles.length, 0);
    assert.match(bad.problems.find((problem) => problem.field.includes('questions'))!.message, /"Never" is not one/);
  });
  it('warns when a shared question offers different options in two articles', () => {
    const kb = buildKnowledgeBase([
      withQuestion('a.md', 'a-cause', '["Now", "Later"]', '["Now"]'),
      withQuestion('b.md', 'b-cause', '["Now", "Soon"]', '["Now"]'),
    ]);
    assert.match(
      kb.problems.find((problem) => problem.field.includes('questions'))!.message,
      /question "when" offers other options than in a\.md/,
    );
  });
});
