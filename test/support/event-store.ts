import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { EventStore } from '../../src/insights/event-store.ts';
import { SqliteDatabase } from '../../src/node/sqlite-database.ts';
import { ROOT } from './server.ts';

/** An event store on a SQLite file of its own, writing at once; closed and deleted after the test file. */
export function testEventStore(name: string): EventStore {
  const directory = mkdtempSync(join(tmpdir(), `fixpath-${name}-`));
  const { database } = SqliteDatabase.open(directory, join(ROOT, 'migrations'));
  after(() => {
    database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return new EventStore(database, { flushMs: 0 });
}

/** What a diagnosis asked through the public API records besides its outcome: spread it into an event. */
export const PUBLIC_API_DIAGNOSIS = { type: 'diagnose', channel: 'api', audience: 'public', session: null } as const;
