import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, assess, diagnose } from '../../src/diagnose/diagnose.ts';
import type { CauseScores } from '../../src/diagnose/score-causes.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { makeJwt } from '../support/jwt.ts';

const article = (
  slug: string,
  cause: string,
  signals: string,
  visibility = 'public',
  kind = 'auth',
  questions = '',
): { file: string; text: string } => ({
  file: `${slug}.md`,
  text: `---
title: ${slug}
visibility: ${visibility}
causes:
  - id: ${cause}
    kind: ${kind}
    title: ${cause} title${questions}
    signals:
${signals}
    steps: [fix-${cause}]
---
## Symptoms
Symptoms of ${cause}.
## Resolution steps
### 1. Fix it {#fix-${cause}}
Do the fix for ${cause}.
`,
});

const library = buildLibrary(
  [
    article(
      'expired',
      'token-expired',
      '      status: [401]\n      error: [invalid_token]\n      phrases: ["jwt expired", "fails after about an hour"]\n      facts: [jwt.expired]',
    ),
    article(
      'limited',
      'rate-limited',
      '      status: [429]\n      phrases: ["too many requests"]\n      facts: [ratelimit.exhausted]',
    ),
    article('secret', 'secret-cause', '      status: [401]\n      phrases: ["zanzibar failure"]', 'internal'),
    article(
      'quota',
      'quota-exhausted',
      '      status: [429]\n      error: [insufficient_quota]\n      phrases: ["exceeded your current quota"]',
      'public',
      'lookalike',
    ),
    // Two causes told by the same signals, separated only by what the chat would ask.
    article(
      'alpha',
      'alpha-cause',
      '      status: [403]\n      phrases: ["gateway said no"]',
      'public',
      'auth',
      `\n    questions:\n      - { id: when, ask: "When does it fail?", options: ["Always", "Sometimes"], expect: ["Always"] }`,
    ),
    article(
      'beta',
      'beta-cause',
      '      status: [403]\n      phrases: ["gateway said no"]',
      'public',
      'auth',
      `\n    questions:\n      - { id: when, ask: "When does it fail?", options: ["Always", "Sometimes"], expect: ["Sometimes"] }`,
    ),
  ],
  new Date(),
);
const now = new Date('2026-03-08T14:23:45Z');
const run = (input: Parameters<typeof diagnose>[0], includeInternal = true) =>
  diagnose(input, { kb: library.kb, index: library.index, clock: () => now, includeInternal });

describe('diagnose', () => {
  it('answers an assessment again exactly as the first time, further reading and redaction included', () => {
    // What a Worker does when the answer's article text had to be fetched first.
    const context = { kb: library.kb, index: library.index, clock: () => now, includeInternal: false };
    const token = makeJwt({ exp: Math.floor(now.getTime() / 1000) - 900 });
    const assessment = assess(
      { text: `the jwt expired with ${token}, then too many requests, and the gateway said no` },
      context,
    );
    const first = answer(assessment, context);
    assert.equal(first.causes[0]?.id, 'token-expired');
    // No article here declares related ones: further reading comes from walking the text ranking.
    assert.ok(first.articles.length > 0);
    assert.deepEqual(answer(assessment, context), first);
    assert.ok(!JSON.stringify(first).includes(token));
  });

  it('names the cause whose phrase the text contains, with evidence and steps', () => {
    const result = run({ text: 'TokenExpiredError: jwt expired' });
    assert.equal(result.input.kind, 'text');
    assert.equal(result.causes[0]?.id, 'token-expired');
    assert.ok(
      result.causes[0]!.evidence.some(
        (evidence) => evidence.source === 'phrase' && evidence.detail.includes('“jwt expired”'),
      ),
    );
    assert.deepEqual(
      result.causes[0]?.steps.map((step) => step.id),
      ['fix-token-expired'],
    );
  });

  it('matches a phrase whose words come close together but not in order', () => {
    const result = run({
      error: { status: 401, body: 'invalid_token: since Monday the job fails after roughly an hour' },
    });
    assert.equal(result.causes[0]?.id, 'token-expired');
    assert.ok(result.causes[0]!.evidence.some((evidence) => /comes close to/.test(evidence.detail)));
  });

  it('keeps a near match inside one sentence', () => {
    // "fails after about an hour" comes close within a sentence, but not across two.
    const across = run({
      error: { status: 401, body: 'invalid_token: the nightly job fails. After that we wait about an hour and retry' },
    });
    assert.ok(
      !across.causes.some((cause) => cause.evidence.some((evidence) => /comes close to/.test(evidence.detail))),
      JSON.stringify(across.causes),
    );
    const within = run({
      error: { status: 401, body: 'invalid_token: the nightly job fails after waiting about an hour' },
    });
    assert.ok(
      within.causes[0]!.evidence.some((evidence) => /comes close to/.test(evidence.detail)),
      JSON.stringify(within.causes),
    );
  });

  it('does not count a phrase the text negates', () => {
    const result = run({ error: { status: 401, body: 'the jwt is not expired, we checked' } });
    assert.ok(
      !result.causes.some((cause) => cause.evidence.some((evidence) => evidence.source === 'phrase')),
      JSON.stringify(result.causes),
    );
  });

  it('abstains on a bare status and on unrelated text', () => {
    assert.deepEqual(run({ error: { status: 401 } }).causes, []);
    assert.deepEqual(run({ text: 'how do I export my invoices to CSV?' }).causes, []);
  });

  it('does not name an auth cause for a response status the cause never has', () => {
    assert.deepEqual(
      run({ error: { status: 500, body: '{"message":"jwt expired while talking to the database"}' } }).causes.map(
        (cause) => cause.id,
      ),
      [],
    );
  });

  it('uses header facts: rate-limit headers on a 429', () => {
    const result = run({ error: { status: 429, headers: { 'retry-after': '30', 'x-ratelimit-remaining': '0' } } });
    assert.equal(result.causes[0]?.id, 'rate-limited');
    assert.ok(result.causes[0]!.evidence.some((evidence) => /0 requests remain/.test(evidence.detail)));
  });

  it('decodes a pasted token and says how long before the response it expired', () => {
    const token = makeJwt({ sub: 'user-1', exp: Math.floor(now.getTime() / 1000) - 900 });
    const result = run({
      text: `HTTP/1.1 401 Unauthorized\nDate: Sun, 08 Mar 2026 14:23:45 GMT\nWWW-Authenticate: Bearer error="invalid_token"\n\ntoken was ${token}`,
    });
    assert.equal(result.input.kind, 'http');
    assert.equal(result.causes[0]?.id, 'token-expired');
    assert.ok(
      result.causes[0]!.evidence.some((evidence) =>
        /token expired 15 min before the response's Date/.test(evidence.detail),
      ),
      JSON.stringify(result.causes[0]!.evidence),
    );
    assert.ok(!JSON.stringify(result).includes(token));
  });

  it('ranks, bounds confidence in [0, 1] and orders best first', () => {
    const result = run({
      error: {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="jwt expired"' },
      },
    });
    assert.equal(result.causes[0]?.id, 'token-expired');
    for (const cause of result.causes) assert.ok(cause.confidence > 0 && cause.confidence <= 1);
    const confidences = result.causes.map((cause) => cause.confidence);
    assert.deepEqual(
      confidences,
      [...confidences].sort((a, b) => b - a),
    );
  });

  it('keeps internal causes from the public', () => {
    assert.equal(run({ text: 'zanzibar failure on login, 401' }, true).causes[0]?.id, 'secret-cause');
    assert.deepEqual(
      run({ text: 'zanzibar failure on login, 401' }, false).causes.map((cause) => cause.id),
      [],
    );
  });

  it('gives every cause a kind, and says plainly when a lookalike leads', () => {
    const result = run({
      error: {
        status: 429,
        body: {
          error: {
            code: 'insufficient_quota',
            message: 'You exceeded your current quota, please check your plan and billing details.',
          },
        },
      },
    });
    assert.equal(result.causes[0]?.id, 'quota-exhausted');
    assert.equal(result.causes[0]?.kind, 'lookalike');
    assert.match(result.summary, /^This is not an authentication problem: /);
    for (const cause of run({ text: 'TokenExpiredError: jwt expired' }).causes) assert.equal(cause.kind, 'auth');
    assert.match(run({ text: 'TokenExpiredError: jwt expired' }).summary, /^Most likely an authentication problem: /);
  });

  it('reports a tie as uncertainty with the question that separates it, never deciding it by id', () => {
    const result = run({ text: 'the gateway said no, 403' });
    assert.deepEqual(new Set(result.uncertain?.between), new Set(['alpha-cause', 'beta-cause']));
    assert.equal(result.uncertain?.question?.id, 'when');
    assert.match(result.summary, /^Not certain: 2 causes fit about equally/);
    assert.equal(result.causes[0]?.confidence, result.causes[1]?.confidence);
    assert.equal(run({ text: 'TokenExpiredError: jwt expired' }).uncertain, undefined);
  });

  it('reads an OAuth error returned through a redirect as a failure, though every status is 302 or 200', () => {
    const entry = (url: string, status: number, location = '') => ({
      startedDateTime: '2026-03-08T14:23:45Z',
      request: { method: 'GET', url, headers: [] },
      response: { status, headers: location ? [{ name: 'Location', value: location }] : [], content: {} },
    });
    const har = {
      log: {
        entries: [
          entry(
            'https://login.idp.example/authorize?client_id=web&prompt=none',
            302,
            'https://app.example.com/callback?error=consent_required&error_description=The+user+has+not+consented',
          ),
          entry(
            'https://app.example.com/callback?error=consent_required&error_description=The+user+has+not+consented',
            200,
          ),
        ],
      },
    };
    const result = run({ har });
    assert.equal(result.input.failing, 2);
    assert.deepEqual(
      result.findings.map((finding) => finding.entry),
      [0, 1],
    );
  });

  it('counts a response status more when few causes show up with it', () => {
    const statuses = buildLibrary(
      [
        article(
          'gateway',
          'gateway-down',
          '      status: [503]\n      phrases: ["upstream connect error"]',
          'public',
          'lookalike',
        ),
        article('broad-one', 'broad-one', '      status: [401, 403]\n      phrases: ["broad one failure"]'),
        article('broad-two', 'broad-two', '      status: [401, 403]\n      phrases: ["broad two failure"]'),
      ],
      new Date(),
    );
    const scoreOf = (status: number, cause: string): number => {
      let scores: CauseScores | undefined;
      diagnose(
        { error: { status } },
        {
          kb: statuses.kb,
          index: statuses.index,
          clock: () => now,
          includeInternal: true,
          inspect: (all) => (scores = all),
        },
      );
      return scores!.get(cause)!;
    };
    // Only the status speaks in both: a 503 only one cause shows up with, a 403 two causes share.
    assert.ok(
      scoreOf(503, 'gateway-down') > scoreOf(403, 'broad-one'),
      `${scoreOf(503, 'gateway-down')} vs ${scoreOf(403, 'broad-one')}`,
    );
    assert.equal(scoreOf(403, 'broad-one'), scoreOf(403, 'broad-two'));
    // The best score from a floor up is found without walking every cause, as a walk would find it.
    for (const status of [401, 403, 503, 500]) {
      let scores: CauseScores | undefined;
      diagnose(
        { error: { status, body: 'broad one failure' } },
        {
          kb: statuses.kb,
          index: statuses.index,
          clock: () => now,
          includeInternal: true,
          inspect: (all) => (scores = all),
        },
      );
      for (const floor of [-10, 0, 1.5, 3]) {
        let expected: string | undefined;
        let top = floor;
        for (const [id, score] of scores!.entries())
          if (score >= top) {
            top = score;
            expected = id;
          }
        assert.equal(scores!.best(floor), expected, `status ${status}, floor ${floor}`);
      }
    }
  });

  it('names a lookalike on soft evidence an auth cause would need more of, since it raises no false alarm', () => {
    const soft = buildLibrary(
      [
        article(
          'billing',
          'billing-stop',
          '      status: [402, 403]\n      phrases: ["zq billing halted"]\n      words: [invoice, credits, prepaid]',
          'public',
          'lookalike',
        ),
        article(
          'browser',
          'browser-block',
          '      status: [401, 403]\n      phrases: ["zq browser halted"]\n      words: [preflight, allowed headers, origin header]',
        ),
      ],
      new Date(),
    );
    const first = (text: string) =>
      diagnose({ text }, { kb: soft.kb, index: soft.index, clock: () => now, includeInternal: true }).causes[0]?.id;
    // Each story: a status in words and two mechanism words of one cause, nothing more.
    assert.equal(first('Calls return 403 since the prepaid credits ran out'), 'billing-stop');
    assert.equal(first('Calls return 403 since the preflight lacks allowed headers'), undefined);
    assert.equal(
      first('Calls return 403 since the preflight lacks allowed headers and the origin header'),
      'browser-block',
    );
  });

  describe('mechanism words (a story told without the known wording)', () => {
    const told = buildLibrary(
      [
        article(
          'preflight',
          'cors-blocked',
          '      status: [401, 0]\n      phrases: ["blocked by CORS policy"]\n      words: [preflight, options request, origin, allowed headers, preflights]',
        ),
        article(
          'cookies',
          'session-cookie-missing',
          '      status: [401]\n      phrases: ["no session cookie"]\n      words: [samesite, cookie domain, origin, trust proxy]',
        ),
      ],
      new Date(),
    );
    const tell = (text: string) =>
      diagnose({ text }, { kb: told.kb, index: told.index, clock: () => now, includeInternal: true });

    it('names the cause whose mechanism a story describes, and shows the words as evidence', () => {
      const result = tell(
        'Our SPA calls the API and gets 401. In the network tab the OPTIONS request fails first; the preflight never lists authorization in the allowed headers.',
      );
      assert.equal(result.causes[0]?.id, 'cors-blocked');
      const words = result.causes[0]!.evidence.find((evidence) => evidence.source === 'words');
      assert.match(words?.detail ?? '', /preflight/);
      assert.match(words?.detail ?? '', /options request/);
      // Two spellings of one word are one word, shown as first written.
      assert.doesNotMatch(words?.detail ?? '', /preflights/);
    });

    it('counts a word two causes share for less than a word of one cause', () => {
      const shared = tell('401 from the API and the origin looks right to me');
      assert.deepEqual(shared.causes, [], JSON.stringify(shared.causes));
      assert.equal(
        tell(
          'Login works but the next call is 401: behind nginx the app does not set trust proxy, the cookie domain is the apex and SameSite stays Lax',
        ).causes[0]?.id,
        'session-cookie-missing',
      );
    });

    it('does not count a word the story negates', () => {
      const result = tell('We get 401 on every call. It is not preflight related, no samesite changes either.');
      for (const cause of result.causes)
        assert.ok(
          !cause.evidence.some((evidence) => evidence.source === 'words' && /preflight|samesite/.test(evidence.detail)),
          JSON.stringify(cause.evidence),
        );
    });
  });
});
