import type { RateLimitDecision, RateLimit as RateLimitRule } from '../../http/security.ts';
import type { FeedbackVote, InsightEvent } from '../../insights/events.ts';
import type { SqlRow, SqlStatement, SqlValue } from '../../insights/sql-database.ts';

/**
 * What a cluster's processes say to each other over Node's IPC channel. Workers serve HTTP;
 * the primary holds what must be one for all of them: the rate-limit budgets and the event
 * store (one SQLite writer), and it alone writes the log.
 */

/** What a worker asks the primary and waits for, with the answer each gets. */
export interface Questions {
  /** Take one request from a client's budget. */
  'rate-limit': { ask: { bucket: string; client: string; rule: RateLimitRule }; answer: RateLimitDecision };
  /** Gather every worker's queued events, write them with the primary's; answers how many were written. */
  flush: { ask: Record<string, never>; answer: number };
  /** A read of the event store's database. */
  'sql-all': { ask: { sql: string; params: SqlValue[] }; answer: SqlRow[] };
  /** A write of the event store's database, as one transaction. */
  'sql-batch': { ask: { statements: SqlStatement[] }; answer: null };
}
export type QuestionKind = keyof Questions;

/** Worker to primary. */
export type WorkerMessage =
  | { fixpath: 'ask'; id: number; kind: QuestionKind; question: Questions[QuestionKind]['ask'] }
  /** Events and votes, in the order they happened. */
  | { fixpath: 'events'; events: ForwardedEvent[] }
  /** Everything queued before a `send-events` has been sent. */
  | { fixpath: 'events-sent'; barrier: number }
  | { fixpath: 'log'; text: string }
  /** Listening (all workers share the port and so the URL). */
  | { fixpath: 'ready'; url: string; articles: number; causes: number; articlesDir: string };

/** Primary to worker. */
export type PrimaryMessage =
  | { fixpath: 'answer'; id: number; answer: unknown }
  | { fixpath: 'answer'; id: number; error: string }
  /** Events the primary holds in memory, for the worker's /healthz. */
  | { fixpath: 'unflushed'; count: number }
  /** Send the events you have queued now, then say so. */
  | { fixpath: 'send-events'; barrier: number };

export type ForwardedEvent = { record: InsightEvent } | { vote: FeedbackVote };

/** Ours carry a `fixpath` tag; other messages (Node's own cluster traffic) pass by. */
const isTagged = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && typeof (message as { fixpath?: unknown }).fixpath === 'string';

export const isWorkerMessage = (message: unknown): message is WorkerMessage => isTagged(message);
export const isPrimaryMessage = (message: unknown): message is PrimaryMessage => isTagged(message);
