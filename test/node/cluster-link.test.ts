import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { PrimaryMessage, WorkerMessage } from '../../src/node/cluster/messages.ts';
import { MAX_QUESTIONS_IN_FLIGHT, NoAnswer, PrimaryLink } from '../../src/node/cluster/primary-link.ts';
import { CrashHistory, RESTART_POLICY } from '../../src/node/cluster/restart-policy.ts';
import {
  RATE_LIMIT_ANSWER_MS,
  SharedRateLimits,
  UNANSWERED_REPORT_MS,
} from '../../src/node/cluster/shared-rate-limits.ts';

/** A worker's end of the channel: what it sent, and a way to answer as the primary. */
class FakePort extends EventEmitter {
  connected = true;
  readonly sent: WorkerMessage[] = [];
  send = (message: WorkerMessage, callback: (error: Error | null) => void): boolean => {
    this.sent.push(message);
    callback(null);
    return true;
  };
  reply(message: PrimaryMessage): void {
    this.emit('message', message);
  }
  lastQuestion(): WorkerMessage & { fixpath: 'ask' } {
    const question = this.sent.at(-1);
    assert.equal(question?.fixpath, 'ask');
    return question as WorkerMessage & { fixpath: 'ask' };
  }
}

const rule = { limit: 2, windowSeconds: 60 };

describe('a worker asking the primary', () => {
  it('matches each answer to its question by id, whatever order they come back in', async () => {
    const port = new FakePort();
    const link = new PrimaryLink(port);
    const first = link.ask('sql-all', { sql: 'SELECT 1', params: [] }, 1_000);
    const firstId = port.lastQuestion().id;
    const second = link.ask('flush', {}, 1_000);
    const secondId = port.lastQuestion().id;
    port.reply({ fixpath: 'answer', id: secondId, answer: 7 });
    port.reply({ fixpath: 'answer', id: firstId, answer: [{ one: 1 }] });
    assert.equal(await second, 7);
    assert.deepEqual(await first, [{ one: 1 }]);
    assert.equal(link.inFlight, 0);
  });

  it("passes the primary's error on, and ignores messages that are not ours", async () => {
    const port = new FakePort();
    const link = new PrimaryLink(port);
    const asked = link.ask('sql-batch', { statements: [] }, 1_000);
    port.emit('message', { cmd: 'NODE_CLUSTER', act: 'newconn' });
    port.reply({ fixpath: 'answer', id: port.lastQuestion().id, error: 'disk full' });
    await assert.rejects(asked, /could not answer "sql-batch": disk full/);
  });

  it('gives up on a question at its deadline, and a late answer changes nothing', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const port = new FakePort();
    const link = new PrimaryLink(port);
    const asked = link.ask('flush', {}, 100);
    const { id } = port.lastQuestion();
    t.mock.timers.tick(99);
    assert.equal(link.inFlight, 1, 'still waiting 1 ms before the deadline');
    t.mock.timers.tick(1);
    await assert.rejects(asked, (error: unknown) => error instanceof NoAnswer && error.reason === 'timeout');
    port.reply({ fixpath: 'answer', id, answer: 3 });
    assert.equal(link.inFlight, 0);
  });

  it(`holds at most ${MAX_QUESTIONS_IN_FLIGHT} questions in flight, and refuses the next at once`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const port = new FakePort();
    const link = new PrimaryLink(port);
    const waiting = Array.from({ length: MAX_QUESTIONS_IN_FLIGHT }, () =>
      link.ask('flush', {}, 1_000).catch(() => 'timed out'),
    );
    assert.equal(link.inFlight, MAX_QUESTIONS_IN_FLIGHT);
    await assert.rejects(
      link.ask('flush', {}, 1_000),
      (error: unknown) => error instanceof NoAnswer && error.reason === 'overloaded',
    );
    port.reply({ fixpath: 'answer', id: 0, answer: 0 });
    assert.equal(await waiting[0], 0);
    // One answered makes room for one more.
    waiting.push(link.ask('flush', {}, 1_000).catch(() => 'timed out'));
    assert.equal(link.inFlight, MAX_QUESTIONS_IN_FLIGHT);
    t.mock.timers.tick(1_000);
    await Promise.all(waiting);
  });

  it('fails at once when the channel to the primary is closed', async () => {
    const port = new FakePort();
    port.connected = false;
    const link = new PrimaryLink(port);
    await assert.rejects(
      link.ask('flush', {}, 60_000),
      (error: unknown) => error instanceof NoAnswer && error.reason === 'disconnected',
    );
    assert.equal(link.tell({ fixpath: 'log', text: '' }), false);
    assert.equal(link.inFlight, 0);
  });
});

describe('rate limits kept by the primary', () => {
  it("returns the primary's decision", async () => {
    const port = new FakePort();
    const limits = new SharedRateLimits(new PrimaryLink(port), () => assert.fail('nothing to report'));
    const taken = limits.take('requests', '203.0.113.9', rule);
    const question = port.lastQuestion();
    assert.deepEqual(question.question, { bucket: 'requests', client: '203.0.113.9', rule });
    port.reply({ fixpath: 'answer', id: question.id, answer: { allowed: false, remaining: 0, resetSeconds: 30 } });
    assert.deepEqual(await taken, { allowed: false, remaining: 0, resetSeconds: 30 });
  });

  it(`fails open after ${RATE_LIMIT_ANSWER_MS} ms without an answer, claiming no remaining count, and reports it at most every ${UNANSWERED_REPORT_MS / 1000} s`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const port = new FakePort();
    const reports: number[] = [];
    let clock = 0;
    const limits = new SharedRateLimits(
      new PrimaryLink(port),
      (unanswered) => reports.push(unanswered),
      () => clock,
    );
    const unanswered = async () => {
      const taken = limits.take('requests', 'client', rule);
      t.mock.timers.tick(RATE_LIMIT_ANSWER_MS);
      return taken;
    };
    // An answer 1 ms before the deadline counts.
    const inTime = limits.take('requests', 'client', rule);
    t.mock.timers.tick(RATE_LIMIT_ANSWER_MS - 1);
    port.reply({
      fixpath: 'answer',
      id: port.lastQuestion().id,
      answer: { allowed: false, remaining: 0, resetSeconds: 9 },
    });
    assert.equal((await inTime).allowed, false);
    assert.deepEqual(await unanswered(), { allowed: true, resetSeconds: 60 });
    assert.deepEqual(reports, [1], 'the first is reported at once');
    clock = UNANSWERED_REPORT_MS - 1;
    await unanswered();
    await unanswered();
    assert.deepEqual(reports, [1], 'not again within the interval');
    clock = UNANSWERED_REPORT_MS;
    await unanswered();
    assert.deepEqual(reports, [1, 3], 'then with every one since');
  });
});

describe('replacing workers that die', () => {
  const { firstDelayMs, windowMs, maxCrashes } = RESTART_POLICY;

  it(`doubles the delay for each death within the window and gives up at death ${maxCrashes + 1}`, () => {
    const history = new CrashHistory();
    const delays = Array.from({ length: maxCrashes }, (_, index) => history.crashed(index * 1_000));
    assert.deepEqual(
      delays,
      Array.from({ length: maxCrashes }, (_, index) => ({ restartInMs: firstDelayMs * 2 ** index })),
    );
    assert.deepEqual(history.crashed(windowMs - 1), { giveUp: true, crashes: maxCrashes + 1 });
  });

  it('forgets a death once the window has passed since it', () => {
    const history = new CrashHistory();
    for (let index = 0; index < maxCrashes; index += 1) history.crashed(0);
    // Exactly one window after the first five, they no longer count.
    assert.deepEqual(history.crashed(windowMs), { restartInMs: firstDelayMs });
  });
});
