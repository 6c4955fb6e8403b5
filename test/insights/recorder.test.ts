import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatReply } from '../../src/chat/converse.ts';
import { SCORING } from '../../src/diagnose/scoring.ts';
import { chatFacts, excerptOf, nearestOf } from '../../src/insights/recorder.ts';

const context = { answers: {}, asked: [], tried: [] };
const reply = (fields: Partial<ChatReply>): ChatReply => ({ reply: '…', causes: [], context, ...fields });

describe('what a chat turn records', () => {
  it('a hand-off or a confirmed fix is not an abstention, though the turn names no cause', () => {
    assert.equal(chatFacts(reply({ handoff: { summary: 's', ticket: 't' } }), undefined, undefined).outcome, 'handoff');
    assert.equal(chatFacts(reply({ resolved: true }), undefined, undefined).outcome, 'resolved');
    assert.equal(chatFacts(reply({}), undefined, 'token-expired').outcome, 'abstained');
    assert.equal(chatFacts(reply({}), undefined, 'token-expired').nearest, 'token-expired');
  });

  it('steps given settle the turn on the cause they belong to', () => {
    const facts = chatFacts(
      reply({
        steps: [{ id: 'a', title: 'A', markdown: 'a' }],
        context: { ...context, offered: 'token-expired' },
        question: { id: 'fixed', text: 'Did that fix it?', options: [] },
      }),
      undefined,
      undefined,
    );
    assert.deepEqual([facts.outcome, facts.cause, facts.steps], ['cause', 'token-expired', 1]);
  });
});

describe('the nearest cause of an abstention', () => {
  it('is the best score from half the naming bar up (the scores find it; test/diagnose checks how)', () => {
    const asked: number[] = [];
    const nearest = nearestOf({
      best: (floor) => {
        asked.push(floor);
        return 'b';
      },
    });
    assert.equal(nearest, 'b');
    assert.deepEqual(asked, [SCORING.minimumScore / 2]);
  });
});

describe('an excerpt', () => {
  it('is redacted before it is cut, and cut to 300 characters', () => {
    const text = `Authorization: Bearer sk_live_${'Q7w'.repeat(10)} ${'word '.repeat(200)}`;
    const excerpt = excerptOf(text)!;
    assert.ok(!excerpt.includes('sk_live_Q7w'));
    assert.ok(excerpt.length <= 301);
    assert.equal(excerptOf(''), undefined);
  });
});
