import { EventStore, type Retention } from '../../insights/event-store.ts';
import type { FeedbackVote, InsightEvent } from '../../insights/events.ts';
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../../insights/sql-database.ts';
import type { PrimaryLink } from './primary-link.ts';

/** Longest a worker waits for the primary to write what it holds (one batch of up to ANALYTICS_BATCH events). */
export const FLUSH_ANSWER_MS = 10_000;
/** Longest a worker waits for one statement of the insights (a year's summary reads for well under a second). */
export const SQL_ANSWER_MS = 30_000;

/**
 * The event store's database as a cluster worker reaches it: every statement runs in the
 * primary, on its one connection, so there is a single writer and every read sees what every
 * worker recorded.
 */
export class PrimarySqlDatabase implements SqlDatabase {
  constructor(private readonly link: PrimaryLink) {}

  async batch(statements: SqlStatement[]): Promise<void> {
    await this.link.ask('sql-batch', { statements }, SQL_ANSWER_MS);
  }

  all<T extends SqlRow = SqlRow>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.link.ask('sql-all', { sql, params }, SQL_ANSWER_MS) as Promise<T[]>;
  }
}

/**
 * A cluster worker's event store. Events and votes go to the primary as they happen, where the
 * one store of the cluster stamps (on arrival, within a millisecond of the answer while the
 * primary keeps up), queues, writes and maintains them; reads (the insights) run here
 * against the primary's database, after asking it to write what it holds, so a summary counts
 * every event any worker recorded before it. What this store remembers between reads stays
 * true across processes: the ids of names never change once given, the salt is made once in
 * the database, and the sums of rolled-up days are keyed by how far the roll-up had gone.
 */
export class ForwardedEventStore extends EventStore {
  private primaryUnflushed = 0;

  constructor(
    private readonly link: PrimaryLink,
    options: { retention: Retention; now?: () => Date },
  ) {
    super(new PrimarySqlDatabase(link), { ...options, flushMs: 0 });
    link.onMessage((message) => {
      if (message.fixpath === 'unflushed') this.primaryUnflushed = message.count;
    });
  }

  override record(event: InsightEvent): void {
    this.link.tell({ fixpath: 'record', event });
  }

  override vote(vote: FeedbackVote): void {
    this.link.tell({ fixpath: 'vote', vote });
  }

  /** The primary writes every event it holds, whichever worker sent it. */
  override flush(): Promise<number> {
    return this.link.ask('flush', {}, FLUSH_ANSWER_MS);
  }

  /** The events the primary holds, as it last said (it says so as the count changes). */
  override get unflushed(): number {
    return this.primaryUnflushed;
  }

  /** Upkeep is the primary's alone: one process rolls up and deletes. */
  override maintain(): Promise<{ rolledUp: number; deleted: number }> {
    return Promise.reject(new Error('the event store is maintained by the cluster primary, not by a worker'));
  }
}
