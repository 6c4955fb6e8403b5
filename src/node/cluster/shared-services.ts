import { RateLimiter } from '../../http/security.ts';
import type { EventStore } from '../../insights/event-store.ts';
import type { SqlDatabase } from '../../insights/sql-database.ts';
import type { PrimaryMessage, QuestionKind, Questions, WorkerMessage } from './messages.ts';

/** How often, at most, the primary tells the workers how many events it holds (their /healthz shows it). */
export const UNFLUSHED_REPORT_MS = 250;

/**
 * What a cluster's primary keeps for all of its workers, and how it answers them: one set of
 * rate-limit budgets, and the one event store with its database (null with ANALYTICS=off).
 */
export class SharedServices {
  private reported = 0;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly answers: { [K in QuestionKind]: (question: Questions[K]['ask']) => unknown };

  constructor(
    private readonly events: { store: EventStore | null; database: SqlDatabase | null },
    /** Sends a message to every worker. */
    private readonly broadcast: (message: PrimaryMessage) => void,
    budgets = new RateLimiter(),
  ) {
    const database = (): SqlDatabase => {
      if (!events.database) throw new Error('ANALYTICS=off: the primary keeps no event store');
      return events.database;
    };
    this.answers = {
      'rate-limit': ({ bucket, client, rule }) => budgets.take(bucket, client, rule),
      // Answered after this turn of the event loop, once every message that arrived with the
      // question (events other workers recorded before it) has been queued.
      flush: () => new Promise((turned) => setImmediate(turned)).then(() => events.store?.flush() ?? 0),
      'sql-all': ({ sql, params }) => database().all(sql, params),
      'sql-batch': async ({ statements }) => {
        await database().batch(statements);
        return null;
      },
    };
  }

  /** A worker's question or event; `reply` answers that worker. Other messages are not for this. */
  heard(message: WorkerMessage, reply: (message: PrimaryMessage) => void): void {
    switch (message.fixpath) {
      case 'ask':
        void this.answer(message, reply);
        return;
      case 'record':
        this.events.store?.record(message.event);
        this.reportUnflushed();
        return;
      case 'vote':
        this.events.store?.vote(message.vote);
        this.reportUnflushed();
    }
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
      this.broadcast({ fixpath: 'unflushed', count: unflushed });
      // A batch the store writes on its own timer changes the count without a message: look again.
      this.reportUnflushed();
    }, UNFLUSHED_REPORT_MS);
    this.reportTimer.unref();
  }
}
