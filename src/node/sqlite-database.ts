import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from '../insights/sql-database.ts';

/**
 * node:sqlite, loaded when the first database opens. Node 22 and 24 print once that it is
 * experimental; the part used here (open, exec, prepare, run, all) is the stable core, so that
 * one warning is not passed on to the operator's log or the CLI's stderr. Other warnings are.
 */
function loadSqlite(): typeof import('node:sqlite') {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = warning instanceof Error ? warning.message : warning;
    if (!text.startsWith('SQLite is an experimental feature'))
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The event store's database on Node: one SQLite file in DATA_DIR, through node:sqlite (built
 * into Node 22.13+ and 24: no native build, no install script). WAL lets readers (the insights
 * API) run while a batch is written.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly db: DatabaseSync;

  constructor(readonly path: string) {
    const { DatabaseSync: Database } = loadSqlite();
    this.db = new Database(path);
    this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;`);
  }

  /** Open (creating it and its folder) `fixpath.db` in a data folder and bring its schema up to date. */
  static open(dataDir: string, migrationsDir: string): { database: SqliteDatabase; applied: string[] } {
    mkdirSync(dataDir, { recursive: true });
    const database = new SqliteDatabase(join(dataDir, 'fixpath.db'));
    return { database, applied: database.migrate(migrationsDir) };
  }

  /**
   * Apply the `.sql` files not yet applied, in name order, each in its own transaction. They are
   * recorded in `d1_migrations`, the table `wrangler d1 migrations` keeps, so both runtimes
   * read one migrations folder the same way.
   */
  migrate(directory: string): string[] {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)',
    );
    const done = new Set(
      (this.db.prepare('SELECT name FROM d1_migrations').all() as Array<{ name: string }>).map((row) => row.name),
    );
    const pending = readdirSync(directory)
      .filter((name) => name.endsWith('.sql') && !done.has(name))
      .sort();
    for (const name of pending) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.db.exec(readFileSync(join(directory, name), 'utf8'));
        this.db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').run(name);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return pending;
  }

  async batch(statements: SqlStatement[]): Promise<void> {
    this.batchSync(statements);
  }

  batchSync(statements: SqlStatement[]): void {
    if (statements.length === 0) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const { sql, params = [] } of statements) this.prepared(sql).run(...(params as SQLInputValue[]));
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async all<T extends SqlRow = SqlRow>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.prepared(sql).all(...(params as SQLInputValue[])) as T[];
  }

  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  /** Statements are prepared once: the store sends the same few again and again. */
  private prepared(sql: string): ReturnType<DatabaseSync['prepare']> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size < 256) this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.db.close();
  }
}
