import { toHex } from '../text/hex.ts';
import { dayOf, type FeedbackVote, type InsightEvent, isoDay, MINUTES_PER_DAY, minuteOf, votedItem } from './events.ts';
import type { SqlDatabase, SqlStatement, SqlValue } from './sql-database.ts';

export interface Retention {
  /** Days events and votes are kept (default 90). */
  eventDays: number;
  /** Days the daily counts made from them are kept (default 396, 13 months). */
  dailyDays: number;
}

export const DEFAULT_RETENTION: Retention = { eventDays: 90, dailyDays: 396 };

export interface EventStoreOptions {
  now?: () => Date;
  retention?: Retention;
  /** Events kept in memory before they are written as one batch. */
  batchSize?: number;
  /** Most time an event waits in memory; 0 writes only when asked (`flush`), as the Worker does after each request. */
  flushMs?: number;
  /** Called when a batch could not be written (the batch is dropped, never retried forever). */
  onError?: (error: unknown, lost: number) => void;
}

/** One row of a day's counts: what was counted (metric), for what (key), how many. */
export interface CountRow {
  day: number;
  metric: string;
  key: string;
  count: number;
}

/** A conversation that was shown steps and ended without a hand-off or a "yes, fixed" is an assumed resolution once idle this long. */
const IDLE_MINUTES = 30;
const MAX_QUEUE = 50_000;
const MAX_REMEMBERED_HASHES = 10_000;

/**
 * The event store: facts about each diagnosis, chat turn, search, view, hand-off, resolution and
 * vote, written in batches off the request path, rolled up into daily counts, and deleted when
 * their retention ends. Session ids are hashed with a salt kept in the database and the day, so
 * the same visitor is a different session every day and the hash can't be reversed.
 */
export class EventStore {
  private pending: Array<{
    minute: number;
    session: string | null;
    build: (session: string | null) => SqlStatement[];
  }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<number> = Promise.resolve(0);
  private dropped = 0;
  private salt: Promise<string> | undefined;
  readonly now: () => Date;
  readonly retention: Retention;
  private readonly batchSize: number;
  private readonly flushMs: number;

  constructor(
    readonly db: SqlDatabase,
    private readonly options: EventStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.batchSize = options.batchSize ?? 500;
    this.flushMs = options.flushMs ?? 1_000;
  }

  /** Queue an event; it is written with the next batch. */
  record(event: InsightEvent): void {
    const minute = minuteOf(this.now());
    this.enqueue(minute, event.session, (session) => eventStatements(event, minute, session));
  }

  /** Queue a vote; a later vote by the same session on the same item replaces it. */
  vote(vote: FeedbackVote): void {
    const minute = minuteOf(this.now());
    const { kind, item } = votedItem(vote);
    this.enqueue(minute, vote.session, (session) => [
      {
        sql: `INSERT INTO feedback (session, item_kind, item, minute, channel, audience, helpful, reason, comment, cause, signature)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (session, item_kind, item) DO UPDATE SET minute = excluded.minute, channel = excluded.channel,
                helpful = excluded.helpful, reason = excluded.reason, comment = excluded.comment,
                signature = coalesce(excluded.signature, feedback.signature)`,
        params: [
          session ?? `anonymous-${crypto.randomUUID()}`,
          kind,
          item,
          minute,
          vote.channel,
          vote.audience,
          vote.helpful ? 1 : 0,
          vote.helpful ? null : (vote.reason ?? null),
          vote.comment ?? null,
          vote.cause ?? null,
          vote.signature ?? null,
        ],
      },
      ...(vote.signature && !vote.helpful && kind !== 'article' ? unsettledSignature(vote.signature, minute) : []),
    ]);
  }

  private enqueue(minute: number, session: string | null, build: (session: string | null) => SqlStatement[]): void {
    // A database that cannot keep up must not take the server's memory with it.
    if (this.pending.length >= MAX_QUEUE) {
      this.dropped += 1;
      return;
    }
    this.pending.push({ minute, session, build });
    if (this.pending.length >= this.batchSize) void this.flush();
    else if (this.flushMs > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      // A pending flush never keeps a process alive on its own (Node); Workers flush per request.
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Events waiting in memory: what a hard kill would lose. */
  get unflushed(): number {
    return this.pending.length;
  }

  /** Write everything queued as one transaction; resolves with how many events and votes were written. */
  flush(): Promise<number> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (this.dropped > 0) {
      this.options.onError?.(new Error(`the queue was full (${MAX_QUEUE} events): events were dropped`), this.dropped);
      this.dropped = 0;
    }
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return 0;
      try {
        const salt = await this.saltOf();
        const statements: SqlStatement[] = [];
        for (const { minute, session, build } of batch)
          statements.push(...build(session === null ? null : await this.hashed(salt, session, dayOf(minute))));
        await this.db.batch(statements);
        return batch.length;
      } catch (error) {
        this.options.onError?.(error, batch.length);
        return 0;
      }
    });
    return this.writing;
  }

  /** Hashes already made: a visit sends several requests, each hashed once. */
  private readonly hashes = new Map<string, string>();

  private async hashed(salt: string, session: string, day: number): Promise<string> {
    const key = `${day}\0${session}`;
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = await hashSession(salt, session, day);
      if (this.hashes.size >= MAX_REMEMBERED_HASHES) this.hashes.clear();
      this.hashes.set(key, hash);
    }
    return hash;
  }

  /** The salt session ids are hashed with: made once, kept in the database. */
  private saltOf(): Promise<string> {
    this.salt ??= (async () => {
      const fresh = toHex(crypto.getRandomValues(new Uint8Array(32)));
      await this.db.batch([
        { sql: "INSERT OR IGNORE INTO meta (name, value) VALUES ('session-salt', ?)", params: [fresh] },
      ]);
      const [row] = await this.db.all<{ value: string }>("SELECT value FROM meta WHERE name = 'session-salt'");
      return row!.value;
    })();
    this.salt.catch(() => {
      this.salt = undefined;
    });
    return this.salt;
  }

  /** The hashes one client session id had on each day events are kept. */
  private async sessionHashes(session: string): Promise<string[]> {
    const salt = await this.saltOf();
    const today = dayOf(minuteOf(this.now()));
    const hashes: string[] = [];
    for (let day = today - this.retention.eventDays - 1; day <= today; day += 1)
      hashes.push(await hashSession(salt, session, day));
    return hashes;
  }

  /** Everything kept about one client session id, for a data-subject request. */
  async exportSession(
    session: string,
  ): Promise<{ events: Record<string, SqlValue>[]; feedback: Record<string, SqlValue>[] }> {
    await this.flush();
    const events: Record<string, SqlValue>[] = [];
    const feedback: Record<string, SqlValue>[] = [];
    for (const hashes of chunks(await this.sessionHashes(session))) {
      const marks = hashes.map(() => '?').join(', ');
      events.push(...(await this.db.all(`SELECT * FROM events WHERE session IN (${marks})`, hashes)));
      feedback.push(...(await this.db.all(`SELECT * FROM feedback WHERE session IN (${marks})`, hashes)));
    }
    const byTime = (a: Record<string, SqlValue>, b: Record<string, SqlValue>) =>
      Number(a.minute) - Number(b.minute) || Number(a.id ?? 0) - Number(b.id ?? 0);
    return { events: events.sort(byTime).map(withTimes), feedback: feedback.sort(byTime).map(withTimes) };
  }

  /** Delete everything kept about one client session id; daily counts hold no session and stay. */
  async deleteSession(session: string): Promise<{ events: number; feedback: number }> {
    const found = await this.exportSession(session);
    await this.db.batch(
      chunks(await this.sessionHashes(session)).flatMap((hashes) => {
        const marks = hashes.map(() => '?').join(', ');
        return [
          { sql: `DELETE FROM events WHERE session IN (${marks})`, params: hashes },
          { sql: `DELETE FROM feedback WHERE session IN (${marks})`, params: hashes },
        ];
      }),
    );
    return { events: found.events.length, feedback: found.feedback.length };
  }

  /**
   * Roll every finished day not yet rolled up into daily counts, then delete what is past its
   * retention. Events are deleted only once their day is rolled up.
   */
  async maintain(): Promise<{ rolledUp: number; deleted: number }> {
    await this.flush();
    const today = dayOf(minuteOf(this.now()));
    let through = await this.rolledThrough();
    if (through === null) {
      const [first] = await this.db.all<{ minute: number | null }>(
        'SELECT min(minute) AS minute FROM (SELECT min(minute) AS minute FROM events UNION ALL SELECT min(minute) FROM feedback)',
      );
      through = first?.minute == null ? today - 1 : dayOf(first.minute) - 1;
    }
    let rolledUp = 0;
    for (let day = through + 1; day < today; day += 1) {
      const rows = await this.aggregateEvents(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY);
      await this.db.batch([
        { sql: 'DELETE FROM daily WHERE day = ?', params: [day] },
        ...rows.map((row) => ({
          sql: 'INSERT INTO daily (day, metric, key, count) VALUES (?, ?, ?, ?)',
          params: [row.day, row.metric, row.key, row.count],
        })),
        {
          sql: "INSERT INTO meta (name, value) VALUES ('rolled-through', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          params: [String(day)],
        },
      ]);
      rolledUp += 1;
    }
    const rolled = Math.max(through, today - 1);
    const eventCutoff = Math.min((today - this.retention.eventDays) * MINUTES_PER_DAY, (rolled + 1) * MINUTES_PER_DAY);
    const dailyCutoff = today - this.retention.dailyDays;
    const [before] = await this.db.all<{ n: number }>(
      'SELECT (SELECT count(*) FROM events WHERE minute < ?) + (SELECT count(*) FROM feedback WHERE minute < ?) AS n',
      [eventCutoff, eventCutoff],
    );
    await this.db.batch([
      { sql: 'DELETE FROM events WHERE minute < ?', params: [eventCutoff] },
      { sql: 'DELETE FROM feedback WHERE minute < ?', params: [eventCutoff] },
      { sql: 'DELETE FROM daily WHERE day < ?', params: [dailyCutoff] },
      { sql: 'DELETE FROM signatures WHERE last_seen < ?', params: [dailyCutoff * MINUTES_PER_DAY] },
    ]);
    return { rolledUp, deleted: before?.n ?? 0 };
  }

  async rolledThrough(): Promise<number | null> {
    const [row] = await this.db.all<{ value: string }>("SELECT value FROM meta WHERE name = 'rolled-through'");
    return row ? Number(row.value) : null;
  }

  /**
   * The day-by-day counts for [fromDay, toDay]: rolled-up days from `daily`, the rest (today,
   * and any day not rolled up yet) counted from the events themselves.
   */
  async counts(fromDay: number, toDay: number): Promise<CountRow[]> {
    await this.flush();
    const through = (await this.rolledThrough()) ?? fromDay - 1;
    const rolled =
      through >= fromDay
        ? await this.db.all<CountRow & Record<string, SqlValue>>(
            'SELECT day, metric, key, count FROM daily WHERE day >= ? AND day <= ?',
            [fromDay, Math.min(toDay, through)],
          )
        : [];
    const rawFrom = Math.max(fromDay, through + 1);
    const raw =
      rawFrom <= toDay ? await this.aggregateEvents(rawFrom * MINUTES_PER_DAY, (toDay + 1) * MINUTES_PER_DAY) : [];
    return [...rolled, ...raw];
  }

  /** Count one span of events and votes, day by day, into the metrics the insights read. */
  async aggregateEvents(fromMinute: number, toMinute: number): Promise<CountRow[]> {
    const idleBefore = minuteOf(this.now()) - IDLE_MINUTES;
    const span = 'minute >= ? AND minute < ?';
    const range = [fromMinute, toMinute];
    const queries: Array<[string, SqlValue[]]> = [
      [
        `SELECT minute / 1440 AS day, 'event' AS metric, type AS key, count(*) AS count FROM events WHERE ${span} GROUP BY day, type`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'outcome', outcome, count(*) FROM events WHERE type = 'diagnose' AND ${span} GROUP BY day, outcome`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'channel', channel, count(*) FROM events WHERE type IN ('diagnose', 'chat', 'search') AND ${span} GROUP BY day, channel`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'search-none', '', count(*) FROM events WHERE type = 'search' AND results = 0 AND ${span} GROUP BY day`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'view-from', outcome, count(*) FROM events WHERE type = 'view' AND ${span} GROUP BY day, outcome`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'cause', cause, count(*) FROM events WHERE (type = 'diagnose' OR (type = 'chat' AND steps > 0)) AND cause IS NOT NULL AND ${span} GROUP BY day, cause`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'confirmed', coalesce(cause, ''), count(*) FROM events WHERE type = 'resolution' AND ${span} GROUP BY day, cause`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'handoff', coalesce(cause, ''), count(*) FROM events WHERE type = 'handoff' AND ${span} GROUP BY day, cause`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'fix-minutes', coalesce(cause, '') || '|' || elapsed, count(*) FROM events WHERE type = 'resolution' AND elapsed IS NOT NULL AND ${span} GROUP BY day, cause, elapsed`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'conversations', '', count(DISTINCT session) FROM events WHERE type = 'chat' AND session IS NOT NULL AND ${span} GROUP BY day`,
        range,
      ],
      [
        `SELECT day, 'assumed', cause, count(*) FROM (
           SELECT min(minute) / 1440 AS day, session, max(cause) AS cause FROM events
           WHERE type = 'chat' AND steps > 0 AND session IS NOT NULL AND ${span}
           GROUP BY session
           HAVING max(minute) < ? AND NOT EXISTS (
             SELECT 1 FROM events AS later WHERE later.session = events.session AND later.type IN ('handoff', 'resolution'))
         ) GROUP BY day, cause`,
        [...range, idleBefore],
      ],
      [
        `SELECT minute / 1440 AS day, 'vote-' || item_kind, item || '|' || helpful, count(*) FROM feedback WHERE ${span} GROUP BY day, item_kind, item, helpful`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'reason', reason, count(*) FROM feedback WHERE reason IS NOT NULL AND ${span} GROUP BY day, reason`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'gap', signature || '|' || CASE type WHEN 'handoff' THEN 'handoff' ELSE 'abstained' END || '|' || channel, count(*)
         FROM events WHERE signature IS NOT NULL AND (outcome = 'abstained' OR type = 'handoff') AND ${span}
         GROUP BY day, signature, type, channel`,
        range,
      ],
      [
        `SELECT minute / 1440 AS day, 'gap', signature || '|' || CASE item_kind WHEN 'cause' THEN 'wrong-cause' ELSE 'step-failed' END || '|' || channel, count(*)
         FROM feedback WHERE signature IS NOT NULL AND helpful = 0 AND item_kind IN ('cause', 'step') AND ${span}
         GROUP BY day, signature, item_kind, channel`,
        range,
      ],
    ];
    const results = await Promise.all(
      queries.map(([sql, params]) => this.db.all<Record<string, SqlValue>>(sql, params)),
    );
    return results.flatMap((rows) =>
      rows.map((row) => {
        const [day, metric, key, count] = Object.values(row);
        return { day: Number(day), metric: String(metric), key: String(key ?? ''), count: Number(count) };
      }),
    );
  }
}

/** The statements that keep one event: the row, and the signature's gap state. */
function eventStatements(event: InsightEvent, minute: number, session: string | null): SqlStatement[] {
  const signature = event.signature;
  const row: SqlValue[] = [
    minute,
    event.type,
    event.channel,
    event.audience,
    session,
    event.inputKind ?? null,
    signature?.id ?? null,
    event.outcome ?? null,
    event.cause ?? null,
    event.nearest ?? null,
    event.causes?.length ? event.causes.map((cause) => `${cause.id}:${cause.confidence}`).join(' ') : null,
    event.steps ?? null,
    event.article ?? null,
    event.results ?? null,
    event.excerpt ?? null,
  ];
  const columns =
    'minute, type, channel, audience, session, input_kind, signature, outcome, cause, nearest, causes, steps, article, results, excerpt';
  const statements: SqlStatement[] =
    event.type === 'resolution'
      ? [
          {
            // How long the fix took: from the session's first diagnosis or chat turn (same day: sessions rotate daily).
            sql: `INSERT INTO events (${columns}, elapsed) VALUES (${row.map(() => '?').join(', ')},
                  (SELECT ? - min(minute) FROM events WHERE session = ? AND type IN ('diagnose', 'chat')))`,
            params: [...row, minute, session],
          },
        ]
      : [{ sql: `INSERT INTO events (${columns}) VALUES (${row.map(() => '?').join(', ')})`, params: row }];
  if (signature) {
    const unsettled = event.outcome === 'abstained' || event.type === 'handoff';
    const settles = event.outcome === 'cause' || event.outcome === 'lookalike';
    statements.push({
      sql: `INSERT INTO signatures (id, key, status, codes, exceptions, template, first_seen, last_seen, last_unsettled, nearest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
              last_seen = max(signatures.last_seen, excluded.last_seen),
              last_unsettled = coalesce(excluded.last_unsettled, signatures.last_unsettled),
              settled_at = CASE WHEN excluded.last_unsettled IS NOT NULL THEN NULL
                                WHEN ? AND signatures.settled_at IS NULL AND signatures.last_unsettled IS NOT NULL THEN excluded.last_seen
                                ELSE signatures.settled_at END,
              nearest = coalesce(excluded.nearest, signatures.nearest)`,
      params: [
        signature.id,
        signature.key,
        signature.status,
        JSON.stringify(signature.codes),
        JSON.stringify(signature.exceptions),
        signature.template,
        minute,
        minute,
        unsettled ? minute : null,
        event.nearest ?? null,
        settles ? 1 : 0,
      ],
    });
  }
  return statements;
}

/** A "no" vote on a cause or a step leaves its signature unsettled. */
function unsettledSignature(id: string, minute: number): SqlStatement[] {
  return [
    {
      sql: 'UPDATE signatures SET last_unsettled = ?, settled_at = NULL WHERE id = ?',
      params: [minute, id],
    },
  ];
}

/** D1 binds at most 100 values per statement: long lists go in slices. */
const MAX_BOUND = 90;
function chunks<T>(items: T[]): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += MAX_BOUND) slices.push(items.slice(start, start + MAX_BOUND));
  return slices;
}

/** A client's session id as kept: SHA-256 of the salt, the day and the id, 16 hex digits. */
async function hashSession(salt: string, session: string, day: number): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}\0${day}\0${session}`));
  return toHex(new Uint8Array(digest)).slice(0, 16);
}

/** A stored row with its minute as an ISO time, for people reading an export. */
function withTimes(row: Record<string, SqlValue>): Record<string, SqlValue> {
  const minute = Number(row.minute);
  return { ...row, time: new Date(minute * 60_000).toISOString(), day: isoDay(dayOf(minute)) };
}
