import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../insights/sql-database.ts';

/**
 * The event store's database on Workers: the D1 binding `DB`. A batch is one D1 batch, which
 * D1 runs as a transaction. The schema comes from `wrangler d1 migrations apply DB`.
 */
export class D1SqlDatabase implements SqlDatabase {
  constructor(private readonly d1: D1Database_) {}

  async batch(statements: SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.d1.batch(statements.map(({ sql, params = [] }) => this.d1.prepare(sql).bind(...params)));
  }

  async all<T extends SqlRow = SqlRow>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const { results } = await this.d1
      .prepare(sql)
      .bind(...params)
      .all<T>();
    return results;
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
