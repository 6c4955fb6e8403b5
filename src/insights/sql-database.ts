/**
 * The one storage port of the event store: SQLite's SQL, spoken by node:sqlite on Node and by
 * D1 on Workers. The store is written once against it; each runtime's entry brings an adapter.
 */
export type SqlValue = string | number | null;

export interface SqlStatement {
  sql: string;
  params?: SqlValue[];
}

export type SqlRow = Record<string, SqlValue>;

export interface SqlDatabase {
  /** Runs the statements in order as one transaction (one D1 batch): all of them or none. */
  batch(statements: SqlStatement[]): Promise<void>;
  /** The rows a query returns. */
  all<T extends SqlRow = SqlRow>(sql: string, params?: SqlValue[]): Promise<T[]>;
}
