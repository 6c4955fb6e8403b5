import { EventStore, type Retention } from '../../insights/event-store.ts';
import type { FeedbackVote, InsightEvent } from '../../insights/events.ts';
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../../insights/sql-database.ts';
import type { ForwardedEvent } from './messages.ts';
import type { PrimaryLink } from './primary-link.ts';

/** Longest a worker waits for the primary to gather and write what the cluster holds. */
export const FLUSH_ANSWER_MS = 10_000;
/** Most events one message carries: a worker sends what it queued within EVENT_BATCH_MS, up to this. */
export const MAX_EVENTS_PER_MESSAGE = 500;
/**
 * How long an event waits for others to leave with it. Under load a message then carries the
 * events of several requests, not of one turn of the event loop (about one request): in
 * `npm run bench:cluster` the primary's CPU per request went from 0.030 to 0.019 ms. A read
 * of the insights, a flush and an exiting worker send what is queued at once.
 */
export const EVENT_BATCH_MS = 20;
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
 * A cluster worker's event store. Events and votes go to the primary, where the one store of
 * the cluster stamps (on arrival, at most EVENT_BATCH_MS late), queues, writes and maintains
 * them: those recorded within EVENT_BATCH_MS leave together (a message per event cost a system
 * call and a wake-up of the primary each). Reads (the insights) run here against
 * the primary's database after it has gathered every worker's queued events (see
 * SharedServices) and written them, so a summary counts every event any worker recorded before
 * it. What this store remembers between reads stays true across processes: the ids of names
 * never change once given, the salt is made once in the database, and the sums of rolled-up
 * days are keyed by how far the roll-up had gone.
 */
export class ForwardedEventStore extends EventStore {
  private primaryUnflushed = 0;
  private queued: ForwardedEvent[] = [];

  constructor(
    private readonly link: PrimaryLink,
    options: { retention: Retention; now?: () => Date },
  ) {
    super(new PrimarySqlDatabase(link), { ...options, flushMs: 0 });
    link.onMessage((message) => {
      if (message.fixpath === 'unflushed') this.primaryUnflushed = message.count;
      if (message.fixpath === 'send-events') {
        this.sendQueued();
        this.link.tell({ fixpath: 'events-sent', barrier: message.barrier });
      }
    });
  }

  override record(event: InsightEvent): void {
    this.queue({ record: event });
  }

  override vote(vote: FeedbackVote): void {
    this.queue({ vote });
  }

  private queue(event: ForwardedEvent): void {
    if (this.queued.length === 0) setTimeout(() => this.sendQueued(), EVENT_BATCH_MS).unref();
    this.queued.push(event);
    if (this.queued.length >= MAX_EVENTS_PER_MESSAGE) this.sendQueued();
  }

  /** Hand what is queued to the primary now. */
  sendQueued(): void {
    if (this.queued.length === 0) return;
    this.link.tell({ fixpath: 'events', events: this.queued });
    this.queued = [];
  }

  /** The primary gathers every worker's events and writes them. */
  override flush(timeoutMs = FLUSH_ANSWER_MS): Promise<number> {
    this.sendQueued();
    return this.link.ask('flush', {}, timeoutMs);
  }

  /** The events the primary holds, as it last said (it says so as the count changes). */
  override get unflushed(): number {
    return this.primaryUnflushed + this.queued.length;
  }

  /** Upkeep is the primary's alone: one process rolls up and deletes. */
  override maintain(): Promise<{ rolledUp: number; deleted: number }> {
    return Promise.reject(new Error('the event store is maintained by the cluster primary, not by a worker'));
  }
}
