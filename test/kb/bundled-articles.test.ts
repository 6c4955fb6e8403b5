import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { EXPECTED_SECTIONS } from '../../src/kb/parse-article.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';
import { needsShared, SHARED } from '../support/shared.ts';

const ROOT_CAUSES = resolve(SHARED, 'spec', 'root-causes.json');

describe('the bundled knowledge base', async () => {
  const sources = await readArticleSources(join(ROOT, 'articles'));
  const kb = buildKnowledgeBase(sources);
  const spec = needsShared('spec', 'root-causes.json');
  const required = spec.skip
    ? []
    : (JSON.parse(await readFile(ROOT_CAUSES, 'utf8')) as { causes: Array<{ id: string; title: string }> }).causes;

  it('loads without problems', () => {
    assert.deepEqual(kb.problems, []);
    assert.ok(kb.articles.length >= 20, `${kb.articles.length} articles`);
  });

  it('declares every required root cause under exactly its id', spec, () => {
    const declared = new Set(kb.causes.map((cause) => cause.id));
    assert.deepEqual(
      required.map((cause) => cause.id).filter((id) => !declared.has(id)),
      [],
    );
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
      const headings = article.sections
        .filter((section) => section.level === 2)
        .map((section) => section.heading.toLowerCase());
      for (const expected of EXPECTED_SECTIONS)
        assert.ok(headings.includes(expected.toLowerCase()), `${article.file} has ## ${expected}`);
      assert.match(
        article.body,
        /```(bash|sh|shell|js|javascript|python|http|text|json|ts|typescript)/,
        `${article.file} has code blocks`,
      );
      const symptoms = article.sections.find((section) => section.heading === 'Symptoms')!;
      assert.match(symptoms.markdown, /`[^`]{6,}`/, `${article.file} quotes literal error texts`);
    }
  });

  it('tells every cause with mechanism words, in English and in the languages reports come in', () => {
    for (const cause of kb.causes)
      assert.ok(cause.signals.words.length >= 8, `${cause.id} has ${cause.signals.words.length} words`);
    const ideographic = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
    const withOtherLanguages = kb.causes.filter((cause) => cause.signals.words.some((word) => ideographic.test(word)));
    assert.ok(
      withOtherLanguages.length >= 20,
      `${withOtherLanguages.length} causes have Chinese, Japanese or Korean words`,
    );
  });

  it('names the cause of reports written in Chinese, Japanese, Korean and Spanish', () => {
    const library = buildLibrary(sources, new Date());
    const first = (text: string) =>
      diagnose({ text }, { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: false })
        .causes[0];
    assert.equal(first('调用接口一直返回 401，日志说 token 已过期，重新登录后又好了一个小时')?.id, 'token-expired');
    assert.equal(first('API からの応答が 429 で、レート制限に達したと表示されます')?.id, 'rate-limited');
    assert.equal(
      first('토큰이 만료되었습니다 라는 메시지와 함께 401 에러가 발생합니다. 다시 로그인하면 한 시간 동안 됩니다')?.id,
      'token-expired',
    );
    assert.equal(first('La API devuelve 401 y dice que el token ha expirado después de una hora')?.id, 'token-expired');
    const words = first('调用接口一直返回 401，日志说 token 已过期，重新登录后又好了一个小时')!.evidence.find(
      (evidence) => evidence.source === 'words',
    );
    assert.match(words?.detail ?? '', /过期/);
  });

  it('reads an expiry error that prints its clock tolerance as an expiry, and a story about skew as skew', () => {
    const library = buildLibrary(sources, new Date());
    const first = (input: Parameters<typeof diagnose>[0]) =>
      diagnose(input, { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: false })
        .causes[0]?.id;
    assert.equal(
      first({
        error: {
          status: 401,
          body: {
            error:
              'JWT expired at 2018-04-02T12:59:44Z. Current time: 2018-04-02T12:59:54Z, a difference of 10351 milliseconds. Allowed clock skew: 0 milliseconds.',
          },
        },
      }),
      'token-expired',
    );
    assert.equal(
      first({
        text: 'IDX10223: Lifetime validation failed. The token is expired. ValidTo: 03/01/2024 10:00:00, Current time: 03/01/2024 11:00:00. ClockSkew: 00:05:00',
      }),
      'token-expired',
    );
    assert.equal(
      first({
        text: 'Tokens from our IdP are rejected with 401 on one VM only; its clock is about 3 minutes ahead, so the clock skew exceeds what the API allows',
      }),
      'clock-skew',
    );
  });

  it('marks the internal runbook internal', () => {
    assert.equal(kb.bySlug.get('auth-incident-escalation')?.visibility, 'internal');
  });
});
