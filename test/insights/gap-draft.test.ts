import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { draftForGap, templatePhrases } from '../../src/insights/gap-draft.ts';
import type { Gap } from '../../src/insights/insights.ts';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

const sources = await readArticleSources(join(ROOT, 'articles'));
const kb = buildKnowledgeBase(sources);
const today = new Date('2026-12-02T10:00:00Z');

const gap = (fields: Partial<Gap> & { example: Gap['example'] }): Gap => ({
  id: '0123456789abcdef',
  signature: 'sig',
  status: 'open',
  count: 3,
  firstSeen: '2026-11-30T10:00:00.000Z',
  lastSeen: '2026-12-01T10:00:00.000Z',
  settledAt: null,
  trend: 'new',
  daily: [],
  sources: { abstained: 3, 'wrong-cause': 0, 'step-failed': 0, handoff: 0 },
  channels: { widget: 3 },
  nearestCause: null,
  ...fields,
});

describe('a gap draft', () => {
  it("takes a template's literal runs of three words or more as phrases, without the masks", () => {
    assert.deepEqual(templatePhrases('ledger epoch <n> is sealed; postings for account <n> are closed.'), [
      'is sealed; postings for account',
    ]);
    assert.deepEqual(
      templatePhrases(
        "the redirect uri '<value>' specified in the request does not match the redirect uris configured",
      ),
      ['the redirect uri', 'specified in the request does not match the redirect uris configured'],
    );
    assert.deepEqual(templatePhrases(null), []);
  });

  it('fills the frontmatter from the signature and lints clean once a step is written', () => {
    const draft = draftForGap(
      gap({
        example: {
          status: 403,
          codes: ['AADSTS7000112', 'unauthorized_client'],
          exceptions: ['MsalServiceException'],
          template: "application '<id>' is disabled.",
          excerpt: null,
        },
      }),
      kb,
      today,
    );
    assert.equal(draft.filename, `articles/${draft.slug}.md`);
    assert.match(draft.markdown, /status: \[403\]/);
    assert.match(draft.markdown, /error: \["unauthorized_client"\]/);
    assert.match(draft.markdown, /- "AADSTS7000112"\n\s+- "MsalServiceException"/);
    assert.match(draft.markdown, /updated: 2026-12-02/);
    const asDrafted = buildKnowledgeBase([...sources, { file: `${draft.slug}.md`, text: draft.markdown }]);
    const own = asDrafted.problems.filter((problem) => problem.file === `${draft.slug}.md`);
    assert.deepEqual(
      own.map((problem) => problem.message),
      [`cause "${draft.causeId}" lists no steps; readers get no resolution`],
      'only the steps are missing',
    );
    const written = draft.markdown
      .replace('    steps: []', '    steps: [enable-app]')
      .replace(
        '## Verification',
        '### 1. Enable the application {#enable-app}\n\nTurn it on in the admin centre.\n\n## Verification',
      );
    const finished = buildKnowledgeBase([...sources, { file: `${draft.slug}.md`, text: written }]);
    assert.deepEqual(
      finished.problems.filter((problem) => problem.file === `${draft.slug}.md`),
      [],
    );
    assert.ok(finished.byCauseId.has(draft.causeId));
  });

  it('for a gap near an existing cause, lists only the signals that cause lacks', () => {
    const cause = kb.byCauseId.get('token-expired')!;
    const known = cause.signals.phrases[0]!;
    const draft = draftForGap(
      gap({
        nearestCause: { id: cause.id, title: cause.title },
        example: { status: 401, codes: ['ZZT4040'], exceptions: [], template: `${known.toLowerCase()}`, excerpt: null },
      }),
      kb,
      today,
    );
    assert.ok(draft.attach);
    assert.equal(draft.attach.filename, `articles/${cause.articleSlug}.md`);
    assert.match(draft.attach.yaml, /- "ZZT4040"/);
    assert.ok(!draft.attach.yaml.includes('status:'), '401 is already one of its statuses');
    assert.ok(!draft.attach.yaml.toLowerCase().includes(`"${known.toLowerCase()}"`), 'a phrase it has is not repeated');
  });

  it('never takes a slug or cause id the knowledge base already has', () => {
    const taken = kb.articles[0]!.slug;
    const draft = draftForGap(
      gap({ example: { status: null, codes: [], exceptions: [], template: null, excerpt: null } }),
      kb,
      today,
    );
    assert.equal(draft.slug, 'gap-0123456789abcdef');
    assert.notEqual(draft.slug, taken);
    assert.ok(!kb.byCauseId.has(draft.causeId));
  });
});
