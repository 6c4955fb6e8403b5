import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type RunningServer, startServer } from '../support/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fixpath-restart-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const expired =
  'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"';

async function send(server: RunningServer, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `${expired}\nx-request-id: ${i}`,
    });
    assert.equal(response.status, 200);
  }
}

async function diagnoses(server: RunningServer): Promise<number> {
  const response = await fetch(`${server.url}/v1/insights/summary`);
  return ((await response.json()) as { diagnoses: { total: number } }).diagnoses.total;
}

async function unflushed(server: RunningServer): Promise<number> {
  const response = await fetch(`${server.url}/healthz`);
  return ((await response.json()) as { analytics: { unflushed: number } }).analytics.unflushed;
}

describe('the event store across restarts', () => {
  it('loses nothing when the server is stopped: the last batch is written on SIGTERM', async () => {
    // A flush interval longer than the test: only the shutdown writes the batch.
    const first = await startServer({ DATA_DIR: dataDir, ANALYTICS_FLUSH_MS: '600000' });
    await send(first, 6);
    assert.equal(await unflushed(first), 6);
    await first.stop();
    assert.ok(first.logs.some((line) => line.includes('"event":"analytics-flushed","events":6')));
    const second = await startServer({ DATA_DIR: dataDir });
    assert.equal(await diagnoses(second), 6);
    await second.stop();
  });

  it('loses only the batch still in memory when the process is killed', async () => {
    const third = await startServer({ DATA_DIR: dataDir, ANALYTICS_FLUSH_MS: '600000', ANALYTICS_BATCH: '4' });
    // Four fill a batch, which is written at once; the next three wait in memory.
    await send(third, 7);
    assert.equal(await unflushed(third), 3);
    third.process.kill('SIGKILL');
    await new Promise((resolve) => third.process.once('exit', resolve));
    const fourth = await startServer({ DATA_DIR: dataDir });
    assert.equal(await diagnoses(fourth), 6 + 4);
    await fourth.stop();
  });
});
