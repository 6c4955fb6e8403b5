import { InputError } from '../errors.ts';
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../insights/sql-database.ts';

/** What SQLite says when a table or column the code uses does not exist: the schema is behind. */
const SCHEMA_BEHIND = /\bno such (?:table|column): [\w.]{1,100}/i;

/**
 * The database has not been migrated. An `analytics-off` problem (409), so an insights request
 * is answered with what to run instead of a 500; the event store logs it when a batch fails.
 */
export class UnmigratedDatabaseError extends InputError {
  constructor(missing: string) {
    super(
      'analytics-off',
      `the D1 database bound as DB has not been migrated (${missing}): run \`wrangler d1 migrations apply DB --remote\` (\`--local\` for wrangler dev); nothing is kept until then`,
    );
  }
}

/**
 * The event store's database on Workers: the D1 binding `DB`. A batch is one D1 batch, which
 * D1 runs as a transaction. The schema comes from `wrangler d1 migrations apply DB`; without
 * it every call fails with `UnmigratedDatabaseError`.
 */
export class D1SqlDatabase implements SqlDatabase {
  constructor(private readonly d1: D1Database_) {}

  async batch(statements: SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await migrated(this.d1.batch(statements.map(({ sql, params = [] }) => this.d1.prepare(sql).bind(...params))));
  }

  async all<T extends SqlRow = SqlRow>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const { results } = await migrated(
      this.d1
        .prepare(sql)
        .bind(...params)
        .all<T>(),
    );
    return results;
  }
}

/** D1's errors carry only a message (`D1_ERROR: no such table: meta: SQLITE_ERROR`): read once, here. */
async function migrated<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const messages = [error, (error as { cause?: unknown } | null)?.cause].map((each) =>
      each instanceof Error ? each.message : '',
    );
    const behind = messages.map((message) => SCHEMA_BEHIND.exec(message)?.[0]).find(Boolean);
    if (behind) throw new UnmigratedDatabaseError(behind);
    throw error;
  }
}

/** The part of Workers' D1 binding the store uses (declared here, as the core is checked without Workers' types). */
export interface D1Database_ {
  prepare(sql: string): D1Statement;
  batch(statements: D1Statement[]): Promise<unknown[]>;
}
interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  all<T>(): Promise<{ results: T[] }>;
}
