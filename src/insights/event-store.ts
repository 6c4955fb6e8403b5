import { toHex } from '../text/hex.ts';
import { CODES, type CodeKind, codeOf, nameOfCode } from './codes.ts';
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

/** Which counts to read: these metrics, day by day or summed over the span. */
export interface CountSelection {
  metrics: string[];
  perDay: boolean;
  /** Only keys that start with this (one signature's gap counts). */
  keyPrefix?: string;
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
const MAX_REMEMBERED_COUNTS = 64;
/** Event ids are minute × PER_MINUTE + the event's place in its minute. */
const PER_MINUTE = 1_000_000;
/** Events deleted in one statement when they expire: an hour of them. */
const DELETE_SLICE = 60 * PER_MINUTE;

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
    named: Array<string | undefined>;
    build: (session: number | null, idOf: (name: string | undefined) => number | null) => SqlStatement[];
  }> = [];
  /** Ids of cause ids, article slugs and signature ids already in `names`: they never change. */
  private readonly nameIds = new Map<string, number>();
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
    const named = [
      event.cause,
      event.nearest,
      event.article,
      event.signature?.id,
      ...(event.causes ?? []).map((cause) => cause.id),
    ];
    this.enqueue(minute, event.session, named, (session, idOf) => eventStatements(event, minute, session, idOf));
  }

  /** Queue a vote; a later vote by the same session on the same item replaces it. */
  vote(vote: FeedbackVote): void {
    const minute = minuteOf(this.now());
    const { kind, item } = votedItem(vote);
    this.enqueue(minute, vote.session, [], (session) => [
      {
        sql: `INSERT INTO feedback (session, item_kind, item, minute, channel, audience, helpful, reason, comment, cause, signature)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (session, item_kind, item) DO UPDATE SET minute = excluded.minute, channel = excluded.channel,
                helpful = excluded.helpful, reason = excluded.reason, comment = excluded.comment,
                signature = coalesce(excluded.signature, feedback.signature)`,
        params: [
          session === null ? `anonymous-${crypto.randomUUID()}` : sessionHex(session),
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

  private enqueue(
    minute: number,
    session: string | null,
    named: Array<string | undefined>,
    build: (session: number | null, idOf: (name: string | undefined) => number | null) => SqlStatement[],
  ): void {
    // A database that cannot keep up must not take the server's memory with it.
    if (this.pending.length >= MAX_QUEUE) {
      this.dropped += 1;
      return;
    }
    this.pending.push({ minute, session, named, build });
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
        const idOf = await this.resolveNames(batch.flatMap((item) => item.named));
        const statements: SqlStatement[] = [];
        for (const { minute, session, build } of batch)
          statements.push(...build(session === null ? null : await this.hashed(salt, session, dayOf(minute)), idOf));
        await this.db.batch(statements);
        return batch.length;
      } catch (error) {
        this.options.onError?.(error, batch.length);
        return 0;
      }
    });
    return this.writing;
  }

  /** The ids of these names in `names`, adding those it lacks. */
  private async resolveNames(named: Array<string | undefined>): Promise<(name: string | undefined) => number | null> {
    const missing = [...new Set(named.filter((name): name is string => name !== undefined && !this.nameIds.has(name)))];
    for (const slice of chunks(missing)) {
      const marks = slice.map(() => '(?)').join(', ');
      await this.db.batch([
        { sql: `INSERT INTO names (name) VALUES ${marks} ON CONFLICT (name) DO NOTHING`, params: slice },
      ]);
      const rows = await this.db.all<{ id: number; name: string }>(
        `SELECT id, name FROM names WHERE name IN (${slice.map(() => '?').join(', ')})`,
        slice,
      );
      for (const row of rows) this.nameIds.set(row.name, row.id);
    }
    return (name) => (name === undefined ? null : (this.nameIds.get(name) ?? null));
  }

  /** Names by id, for reading counts back; loaded as ids appear. */
  private readonly namesById = new Map<number, string>();

  async namesOf(ids: Iterable<number>): Promise<Map<number, string>> {
    const missing = [...new Set(ids)].filter((id) => !this.namesById.has(id));
    for (const slice of chunks(missing)) {
      const rows = await this.db.all<{ id: number; name: string }>(
        `SELECT id, name FROM names WHERE id IN (${slice.map(() => '?').join(', ')})`,
        slice,
      );
      for (const row of rows) this.namesById.set(row.id, row.name);
    }
    return this.namesById;
  }

  /** Sums of rolled-up days, by selection, span and how far the roll-up had gone. */
  private readonly rolledCounts = new Map<string, CountRow[]>();

  /** Hashes already made: a visit sends several requests, each hashed once. */
  private readonly hashes = new Map<string, number>();

  private async hashed(salt: string, session: string, day: number): Promise<number> {
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
  private async sessionHashes(session: string): Promise<number[]> {
    const salt = await this.saltOf();
    const today = dayOf(minuteOf(this.now()));
    const hashes: number[] = [];
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
      events.push(
        ...(await this.db.all(
          `SELECT * FROM events_as_text WHERE id IN (SELECT id FROM events WHERE session IN (${marks}))`,
          hashes,
        )),
      );
      const hexes = hashes.map(sessionHex);
      feedback.push(...(await this.db.all(`SELECT * FROM feedback WHERE session IN (${marks})`, hexes)));
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
          { sql: `DELETE FROM feedback WHERE session IN (${marks})`, params: hashes.map(sessionHex) },
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
        `SELECT min(minute) AS minute FROM (SELECT min(id) / ${PER_MINUTE} AS minute FROM events UNION ALL SELECT min(minute) FROM feedback)`,
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
      'SELECT (SELECT count(*) FROM events WHERE id < ?) + (SELECT count(*) FROM feedback WHERE minute < ?) AS n',
      [eventCutoff * PER_MINUTE, eventCutoff],
    );
    // A day of events is deleted an hour at a time, letting requests run in between: on Node the
    // database works on the server's own thread, and one delete of a busy day held it for a second.
    const [oldest] = await this.db.all<{ id: number | null }>('SELECT min(id) AS id FROM events');
    const cutoffId = eventCutoff * PER_MINUTE;
    for (let start = oldest?.id ?? cutoffId; start < cutoffId; start += DELETE_SLICE) {
      await this.db.batch([
        { sql: 'DELETE FROM events WHERE id < ?', params: [Math.min(start + DELETE_SLICE, cutoffId)] },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await this.db.batch([
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
   * Counts for [fromDay, toDay], one list per selection: the named metrics, day by day or summed
   * over the span (then `day` is -1). Rolled-up days are read from `daily`, summed by SQLite;
   * the rest (today, and any day not rolled up yet) is counted from the events, once for all
   * selections.
   */
  async counts(fromDay: number, toDay: number, selections: CountSelection[]): Promise<CountRow[][]> {
    await this.flush();
    const through = (await this.rolledThrough()) ?? fromDay - 1;
    const rawFrom = Math.max(fromDay, through + 1);
    const raw =
      rawFrom <= toDay ? await this.aggregateEvents(rawFrom * MINUTES_PER_DAY, (toDay + 1) * MINUTES_PER_DAY) : [];
    return Promise.all(
      selections.map(async ({ metrics, perDay, keyPrefix = '' }) => {
        const marks = metrics.map(() => '?').join(', ');
        // Rolled-up days change only when another day is rolled up: their sums are remembered until then.
        const cacheKey = `${perDay}|${metrics.join(',')}|${keyPrefix}|${fromDay}|${Math.min(toDay, through)}|${through}`;
        let rolled = this.rolledCounts.get(cacheKey);
        if (!rolled) {
          rolled =
            through >= fromDay
              ? await this.db.all<CountRow & Record<string, SqlValue>>(
                  `SELECT ${perDay ? 'day' : '-1'} AS day, metric, key, sum(count) AS count FROM daily
                   WHERE metric IN (${marks}) AND day >= ? AND day <= ?${keyPrefix ? ' AND key >= ? AND key < ?' : ''}
                   GROUP BY metric, ${perDay ? 'day, ' : ''}key`,
                  [
                    ...metrics,
                    fromDay,
                    Math.min(toDay, through),
                    ...(keyPrefix ? [keyPrefix, `${keyPrefix}\uffff`] : []),
                  ],
                )
              : [];
          if (this.rolledCounts.size >= MAX_REMEMBERED_COUNTS) this.rolledCounts.clear();
          this.rolledCounts.set(cacheKey, rolled);
        }
        const wanted = new Set(metrics);
        const fresh = raw.filter((row) => wanted.has(row.metric) && row.key.startsWith(keyPrefix));
        return [...rolled, ...(perDay ? fresh : fresh.map((row) => ({ ...row, day: -1 })))];
      }),
    );
  }

  /** Count one span of events and votes, day by day, into the metrics the insights read. */
  async aggregateEvents(fromMinute: number, toMinute: number): Promise<CountRow[]> {
    const idleBefore = minuteOf(this.now()) - IDLE_MINUTES;
    // Events sit in id order, which is time order: a span of minutes is a span of ids.
    const ids = 'id >= ? AND id < ?';
    const idRange = [fromMinute * PER_MINUTE, toMinute * PER_MINUTE];
    const minutes = 'minute >= ? AND minute < ?';
    const minuteRange = [fromMinute, toMinute];
    const { type, outcome } = CODES;
    // Each query gives (day, a, b, count); `key` names the metric and makes its key from a and b.
    // One pass over the span gives the simple counts (by type, outcome, channel, cause).
    const simple = await this.db.all<{
      day: number;
      type: number;
      outcome: number | null;
      channel: number;
      cause: number | null;
      none: number | null;
      shown: number | null;
      n: number;
    }>(
      `SELECT minute / 1440 AS day, type, outcome, channel, cause, results = 0 AS none, steps > 0 AS shown, count(*) AS n
       FROM events WHERE ${ids} GROUP BY day, type, outcome, channel, cause, none, shown`,
      idRange,
    );
    await this.namesOf(simple.flatMap((row) => (row.cause === null ? [] : [row.cause])));
    const counted = new Map<string, CountRow>();
    const add = (day: number, metric: string, key: string, n: number): void => {
      const id = `${day}\0${metric}\0${key}`;
      const row = counted.get(id);
      if (row) row.count += n;
      else counted.set(id, { day, metric, key, count: n });
    };
    for (const row of simple) {
      const { day, n } = row;
      add(day, 'event', codeName('type', row.type), n);
      if (row.type === type.diagnose) add(day, 'outcome', codeName('outcome', row.outcome), n);
      if (row.type === type.diagnose || row.type === type.chat || row.type === type.search)
        add(day, 'channel', codeName('channel', row.channel), n);
      if (row.type === type.search && row.none === 1) add(day, 'search-none', '', n);
      if (row.type === type.view) add(day, 'view-from', codeName('outcome', row.outcome), n);
      if (row.cause !== null && (row.type === type.diagnose || (row.type === type.chat && row.shown === 1)))
        add(day, 'cause', this.nameOf(row.cause), n);
      if (row.type === type.resolution) add(day, 'confirmed', this.nameOf(row.cause), n);
      if (row.type === type.handoff) add(day, 'handoff', this.nameOf(row.cause), n);
    }
    const queries: Array<{
      sql: string;
      params: SqlValue[];
      /** Whether column a is a `names` id (a cause or a signature). */
      named?: boolean;
      key: (a: SqlValue, b: SqlValue) => [string, string];
    }> = [
      {
        // Minutes to a fix, exact under 10, then in steps of 5, 15 and 60: a median needs no finer grain.
        sql: `SELECT minute / 1440 AS day, cause AS a,
                CASE WHEN elapsed < 10 THEN elapsed WHEN elapsed < 60 THEN elapsed / 5 * 5
                     WHEN elapsed < 240 THEN elapsed / 15 * 15 ELSE elapsed / 60 * 60 END AS b, count(*) AS n
              FROM events WHERE type = ${type.resolution} AND elapsed IS NOT NULL AND ${ids} GROUP BY day, a, b`,
        params: idRange,
        named: true,
        key: (a, b) => ['fix-minutes', `${this.nameOf(a)}|${b}`],
      },
      {
        sql: `SELECT minute / 1440 AS day, NULL AS a, NULL AS b, count(DISTINCT session) AS n FROM events
              WHERE type = ${type.chat} AND session IS NOT NULL AND ${ids} GROUP BY day`,
        params: idRange,
        key: () => ['conversations', ''],
      },
      {
        sql: `SELECT day AS day, cause AS a, NULL AS b, count(*) AS n FROM (
                SELECT min(minute) / 1440 AS day, session, max(cause) AS cause FROM events
                WHERE type = ${type.chat} AND steps > 0 AND session IS NOT NULL AND ${ids}
                GROUP BY session
                HAVING max(minute) < ? AND NOT EXISTS (
                  SELECT 1 FROM events AS later
                  WHERE later.session = events.session AND later.type IN (${type.handoff}, ${type.resolution}))
              ) GROUP BY day, a`,
        params: [...idRange, idleBefore],
        named: true,
        key: (a) => ['assumed', this.nameOf(a)],
      },
      {
        sql: `SELECT minute / 1440 AS day, 'vote-' || item_kind AS a, item || '|' || helpful AS b, count(*) AS n FROM feedback
              WHERE ${minutes} GROUP BY day, item_kind, item, helpful`,
        params: minuteRange,
        key: (a, b) => [String(a), String(b)],
      },
      {
        sql: `SELECT minute / 1440 AS day, reason AS a, NULL AS b, count(*) AS n FROM feedback WHERE reason IS NOT NULL AND ${minutes} GROUP BY day, a`,
        params: minuteRange,
        key: (a) => ['reason', String(a)],
      },
      {
        sql: `SELECT minute / 1440 AS day, signature AS a, type * 100 + channel AS b, count(*) AS n FROM events
              WHERE signature IS NOT NULL AND (outcome = ${outcome.abstained} OR type = ${type.handoff}) AND ${ids}
              GROUP BY day, a, b`,
        params: idRange,
        named: true,
        key: (a, b) => {
          const source = Math.floor(Number(b) / 100) === type.handoff ? 'handoff' : 'abstained';
          return ['gap', `${this.nameOf(a)}|${source}|${codeName('channel', Number(b) % 100)}`];
        },
      },
      {
        sql: `SELECT minute / 1440 AS day, signature AS a, CASE item_kind WHEN 'cause' THEN 'wrong-cause' ELSE 'step-failed' END || '|' || channel AS b, count(*) AS n FROM feedback WHERE signature IS NOT NULL AND helpful = 0 AND item_kind IN ('cause', 'step') AND ${minutes}
              GROUP BY day, a, b`,
        params: minuteRange,
        key: (a, b) => ['gap', `${a}|${b}`],
      },
    ];
    const results = await Promise.all(queries.map(({ sql, params }) => this.db.all(sql, params)));
    const named = new Set<number>();
    for (const [index, rows] of results.entries())
      if (queries[index]!.named)
        for (const row of rows) {
          const id = Object.values(row)[1];
          if (typeof id === 'number') named.add(id);
        }
    await this.namesOf(named);
    return [
      ...counted.values(),
      ...results.flatMap((rows, index) =>
        rows.map((row) => {
          const [day, a, b, count] = Object.values(row);
          const [metric, key] = queries[index]!.key(a ?? null, b ?? null);
          return { day: Number(day), metric, key, count: Number(count) };
        }),
      ),
    ];
  }

  /** A name's text from its id; empty for none. */
  private nameOf(id: SqlValue): string {
    return id === null ? '' : (this.namesById.get(Number(id)) ?? '');
  }
}

const codeName = (kind: CodeKind, code: SqlValue): string =>
  nameOfCode(kind, code === null ? null : Number(code)) ?? '';

/** The statements that keep one event: the row, and the signature's gap state. */
function eventStatements(
  event: InsightEvent,
  minute: number,
  session: number | null,
  idOf: (name: string | undefined) => number | null,
): SqlStatement[] {
  const signature = event.signature;
  const [lead, ...others] = event.causes ?? [];
  const row: SqlValue[] = [
    minute,
    codeOf('type', event.type),
    codeOf('channel', event.channel),
    codeOf('audience', event.audience),
    session,
    codeOf('input', event.inputKind),
    idOf(signature?.id),
    codeOf('outcome', event.outcome),
    idOf(event.cause),
    idOf(event.nearest),
    others.length ? others.map((cause) => `${idOf(cause.id)}:${Math.round(cause.confidence * 100)}`).join(' ') : null,
    lead ? Math.round(lead.confidence * 100) : null,
    event.steps ?? null,
    idOf(event.article),
    event.results ?? null,
    event.excerpt ?? null,
  ];
  const columns =
    'minute, type, channel, audience, session, input_kind, signature, outcome, cause, nearest, causes, confidence, steps, article, results, excerpt';
  // The minute's next id, minute × 1,000,000 + its place, taken inside the transaction.
  const id = `(SELECT coalesce(max(id) + 1, ? * ${PER_MINUTE}) FROM events WHERE id >= ? * ${PER_MINUTE} AND id < (? + 1) * ${PER_MINUTE})`;
  const values = row.map(() => '?').join(', ');
  const statements: SqlStatement[] =
    event.type === 'resolution'
      ? [
          {
            // How long the fix took: from the session's first diagnosis or chat turn (same day: sessions rotate daily).
            sql: `INSERT INTO events (id, ${columns}, elapsed) VALUES (${id}, ${values},
                  (SELECT ? - min(minute) FROM events WHERE session = ? AND type IN (${CODES.type.diagnose}, ${CODES.type.chat})))`,
            params: [minute, minute, minute, ...row, minute, session],
          },
        ]
      : [
          {
            sql: `INSERT INTO events (id, ${columns}) VALUES (${id}, ${values})`,
            params: [minute, minute, minute, ...row],
          },
        ];
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

/**
 * A client's session id as kept: the first 52 bits of SHA-256 of the salt, the day and the id,
 * as a number (exact in JavaScript and SQLite alike; a collision among a day's visits is
 * vanishingly rare).
 */
async function hashSession(salt: string, session: string, day: number): Promise<number> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}\0${day}\0${session}`));
  return Number.parseInt(toHex(new Uint8Array(digest)).slice(0, 13), 16);
}

/** The kept session as text, as votes and exports show it: 13 hex digits. */
const sessionHex = (session: number): string => session.toString(16).padStart(13, '0');

/** A stored row with its minute as an ISO time, for people reading an export. */
function withTimes(row: Record<string, SqlValue>): Record<string, SqlValue> {
  const minute = Number(row.minute);
  return { ...row, time: new Date(minute * 60_000).toISOString(), day: isoDay(dayOf(minute)) };
}
