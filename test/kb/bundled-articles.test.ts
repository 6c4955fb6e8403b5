import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { EXPECTED_SECTIONS } from '../../src/kb/parse-article.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';
import { needsShared, SHARED } from '../support/shared.ts';

const ROOT_CAUSES = resolve(SHARED, 'spec', 'root-causes.json');

describe('the bundled knowledge base', async () => {
  const kb = buildKnowledgeBase(await readArticleSources(join(ROOT, 'articles')));
  const spec = needsShared('spec', 'root-causes.json');
  const required = spec.skip ? [] : (JSON.parse(await readFile(ROOT_CAUSES, 'utf8')) as { causes: Array<{ id: string; title: string }> }).causes;

  it('loads without problems', () => {
    assert.deepEqual(kb.problems, []);
    assert.ok(kb.articles.length >= 20, `${kb.articles.length} articles`);
  });

  it('declares every required root cause under exactly its id', spec, () => {
    const declared = new Set(kb.causes.map((cause) => cause.id));
    assert.deepEqual(required.map((cause) => cause.id).filter((id) => !declared.has(id)), []);
  });

  it('gives every cause resolution steps, phrases and a description', () => {
    for (const cause of kb.causes) {
      assert.ok(cause.stepIds.length >= 2, `${cause.id} has steps`);
      assert.ok(cause.signals.phrases.length >= 10, `${cause.id} has phrases`);
      assert.ok(cause.description.length > 40, `${cause.id} has a description`);
    }
  });

  it('writes every cause article with the five sections and runnable commands or code', () => {
    for (const article of kb.articles.filter((candidate) => candidate.causes.length > 0)) {
      const headings = article.sections.filter((section) => section.level === 2).map((section) => section.heading.toLowerCase());
      for (const expected of EXPECTED_SECTIONS) assert.ok(headings.includes(expected.toLowerCase()), `${article.file} has ## ${expected}`);
      assert.match(article.body, /```(bash|sh|shell|js|javascript|python|http|text|json|ts|typescript)/, `${article.file} has code blocks`);
      const symptoms = article.sections.find((section) => section.heading === 'Symptoms')!;
      assert.match(symptoms.markdown, /`[^`]{6,}`/, `${article.file} quotes literal error texts`);
    }
  });

  it('marks the internal runbook internal', () => {
    assert.equal(kb.bySlug.get('auth-incident-escalation')?.visibility, 'internal');
  });
});
