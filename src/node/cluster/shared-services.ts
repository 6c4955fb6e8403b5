import { RateLimiter } from '../../http/security.ts';
import type { EventStore } from '../../insights/event-store.ts';
import type { SqlDatabase } from '../../insights/sql-database.ts';
import type { PrimaryMessage, QuestionKind, Questions, WorkerMessage } from './messages.ts';

/** How often, at most, the primary tells the workers how many events it holds (their /healthz shows it). */
export const UNFLUSHED_REPORT_MS = 250;
/**
 * Longest a read waits for the workers to send the events they have queued. A worker busy with
 * one long request (a 100 MB capture takes seconds) answers after it; the read then goes on
 * without that worker's last turn of events, which the next read counts.
 */
export const GATHER_EVENTS_MS = 1_000;

/** The primary's ends of its workers' channels. */
export interface WorkerChannels {
  /** The workers serving now, by cluster id. */
  ids: () => number[];
  send: (worker: number, message: PrimaryMessage) => void;
}

/**
 * What a cluster's primary keeps for all of its workers, and how it answers them: one set of
 * rate-limit budgets, and the one event store with its database (null with ANALYTICS=off).
 */
export class SharedServices {
  private reported = 0;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly answers: {
    [K in QuestionKind]: (question: Questions[K]['ask']) => unknown;
  };
  private nextBarrier = 0;
  /** Gatherings under way: the workers each still waits for. */
  private readonly gathering = new Map<number, { waiting: Set<number>; done: () => void }>();

  constructor(
    private readonly events: { store: EventStore | null; database: SqlDatabase | null },
    private readonly workers: WorkerChannels,
    budgets = new RateLimiter(),
    private readonly gatherMs = GATHER_EVENTS_MS,
  ) {
    const database = (): SqlDatabase => {
      if (!events.database) throw new Error('ANALYTICS=off: the primary keeps no event store');
      return events.database;
    };
    this.answers = {
      'rate-limit': ({ bucket, client, rule }) => budgets.take(bucket, client, rule),
      flush: async () => {
        if (!events.store) return 0;
        await this.gatherEvents();
        return events.store.flush();
      },
      'sql-all': ({ sql, params }) => database().all(sql, params),
      'sql-batch': async ({ statements }) => {
        await database().batch(statements);
        return null;
      },
    };
  }

  /** A worker's question, events or answer; `reply` answers that worker. Other messages are not for this. */
  heard(worker: number, message: WorkerMessage, reply: (message: PrimaryMessage) => void): void {
    switch (message.fixpath) {
      case 'ask':
        void this.answer(message, reply);
        return;
      case 'events':
        for (const event of message.events)
          if ('record' in event) this.events.store?.record(event.record);
          else this.events.store?.vote(event.vote);
        this.reportUnflushed();
        return;
      case 'events-sent':
        this.sent(worker, message.barrier);
    }
  }

  /** A worker is gone: no gathering waits for it. */
  forget(worker: number): void {
    for (const barrier of this.gathering.keys()) this.sent(worker, barrier);
  }

  /**
   * Ask every worker to send what it has queued, and resolve once each has said it did (its
   * channel keeps order, so its events have then arrived), or after `gatherMs`.
   */
  private gatherEvents(): Promise<void> {
    const barrier = this.nextBarrier++;
    const waiting = new Set(this.workers.ids());
    return new Promise((gathered) => {
      const done = (): void => {
        clearTimeout(timer);
        this.gathering.delete(barrier);
        gathered();
      };
      const timer = setTimeout(done, this.gatherMs);
      this.gathering.set(barrier, { waiting, done });
      for (const worker of waiting) this.workers.send(worker, { fixpath: 'send-events', barrier });
      if (waiting.size === 0) done();
    });
  }

  private sent(worker: number, barrier: number): void {
    const gathering = this.gathering.get(barrier);
    if (!gathering?.waiting.delete(worker)) return;
    if (gathering.waiting.size === 0) gathering.done();
  }

  private async answer(
    { id, kind, question }: WorkerMessage & { fixpath: 'ask' },
    reply: (message: PrimaryMessage) => void,
  ): Promise<void> {
    try {
      const handler = this.answers[kind] as (question: unknown) => unknown;
      reply({ fixpath: 'answer', id, answer: (await handler(question)) ?? null });
    } catch (error) {
      reply({ fixpath: 'answer', id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Tell every worker how many events wait in memory, when that changed, at most every UNFLUSHED_REPORT_MS. */
  private reportUnflushed(): void {
    if (this.reportTimer || !this.events.store) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      const unflushed = this.events.store?.unflushed ?? 0;
      if (unflushed === this.reported) return;
      this.reported = unflushed;
      for (const worker of this.workers.ids()) this.workers.send(worker, { fixpath: 'unflushed', count: unflushed });
      // A batch the store writes on its own timer changes the count without a message: look again.
      this.reportUnflushed();
    }, UNFLUSHED_REPORT_MS);
    this.reportTimer.unref();
  }
}
