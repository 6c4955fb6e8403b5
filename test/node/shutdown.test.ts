import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawConnection } from '../support/raw-http.ts';
import { type RunningServer, startServer, waitFor } from '../support/server.ts';

/** Send the signal and resolve with the exit code and how long the process took to exit. */
async function terminate(
  server: RunningServer,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
  server.process.kill(signal);
  const code = await exited;
  return { code, ms: Date.now() - started };
}

/** Resolve once the server has logged that it is shutting down. */
const shuttingDown = (server: RunningServer): Promise<number> =>
  waitFor(async () => server.logs.some((line) => line.includes('"event":"shutting-down"')), 5_000);

/** Whether the deadline cut a connection: said by the server's "stopped" line, or by a cluster worker's. */
function cutConnections(server: RunningServer): boolean {
  const lines = server.logs.filter((entry) => entry.includes('"event":"stopped"'));
  assert.ok(lines.length > 0, `no "stopped" line in:\n${server.logs.join('\n')}`);
  return lines.some((line) => (JSON.parse(line) as { cutConnections?: boolean }).cutConnections === true);
}

const kill = (server: RunningServer): void => {
  if (server.process.exitCode === null) server.process.kill('SIGKILL');
};

// The same shutdown from one process, and from a cluster's primary passing the signal to its workers.
for (const workers of ['1', '2'])
  describe(`shutting down on SIGTERM or SIGINT (WORKERS=${workers})`, () => {
    it('exits 0 within the default 10 s deadline while a client holds a half-sent request head', async () => {
      // Head timeouts pushed past the deadline, so that the deadline is what ends the wait.
      const server = await startServer({ WORKERS: workers, HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '120000' });
      const client = await RawConnection.open(server.url);
      try {
        await client.write('GET /healthz HTTP/1.1\r\nHost: fixpath\r\n');
        const { code, ms } = await terminate(server);
        assert.equal(code, 0);
        assert.ok(ms < 15_000, `exited after ${ms} ms`);
        assert.ok(ms >= 9_000, `the half-sent request was given the whole deadline, not cut at ${ms} ms`);
        assert.equal(cutConnections(server), true);
      } finally {
        client.close();
        kill(server);
      }
    });

    it('SHUTDOWN_TIMEOUT_MS=1000: exits 0 within about 2 s however slowly a client sends', async () => {
      const server = await startServer({
        WORKERS: workers,
        SHUTDOWN_TIMEOUT_MS: '1000',
        HEADERS_TIMEOUT_MS: '60000',
        REQUEST_TIMEOUT_MS: '120000',
      });
      const head = await RawConnection.open(server.url);
      const body = await RawConnection.open(server.url);
      try {
        await head.write('GET /healthz HTTP/1.1\r\nHost: fixpath\r\n');
        await body.write(
          'POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n401 after',
        );
        const { code, ms } = await terminate(server, 'SIGINT');
        assert.equal(code, 0);
        assert.ok(ms >= 900 && ms < 2_500, `exited after ${ms} ms`);
      } finally {
        head.close();
        body.close();
        kill(server);
      }
    });

    it('answers a request whose body is still arriving in full, with Connection: close, then exits without cutting anything', async () => {
      const server = await startServer({ WORKERS: workers });
      const client = await RawConnection.open(server.url);
      try {
        const text = `TokenExpiredError: jwt expired ${'.'.repeat(200_000)}`;
        await client.write(
          `POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n`,
        );
        await client.write(text.slice(0, 100_000));
        const exited = terminate(server);
        await shuttingDown(server);
        // The rest trickles in after the signal.
        for (let offset = 100_000; offset < text.length; offset += 25_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.ok(await client.write(text.slice(offset, offset + 25_000)), 'the server kept reading');
        }
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.headers.connection, 'close');
        assert.equal((JSON.parse(response.body) as { causes: Array<{ id: string }> }).causes[0]?.id, 'token-expired');
        assert.equal(await client.endedWithin(2_000), 'end', 'the server closed the connection cleanly');
        const { code, ms } = await exited;
        assert.equal(code, 0);
        assert.ok(ms < 5_000, `exited after ${ms} ms`);
        assert.equal(cutConnections(server), false);
      } finally {
        client.close();
        kill(server);
      }
    });

    it('answers a request sent on an idle keep-alive connection just after the signal, with Connection: close', async () => {
      const server = await startServer({ WORKERS: workers });
      const client = await RawConnection.open(server.url);
      const unused = await RawConnection.open(server.url);
      try {
        await client.write('GET /healthz HTTP/1.1\r\nHost: fixpath\r\n\r\n');
        const before = await client.readResponse();
        assert.equal(before.status, 200);
        assert.notEqual(before.headers.connection, 'close', 'kept alive before the signal');
        await unused.write('GET /healthz HTTP/1.1\r\nHost: fixpath\r\n\r\n');
        await unused.readResponse();

        const exited = terminate(server);
        await shuttingDown(server);
        assert.ok(await client.write('GET /v1/articles HTTP/1.1\r\nHost: fixpath\r\n\r\n'));
        const after = await client.readResponse();
        assert.equal(after.status, 200, 'answered, not reset');
        assert.equal(after.headers.connection, 'close');
        assert.ok((JSON.parse(after.body) as { total: number }).total > 0);
        assert.equal(await client.endedWithin(2_000), 'end');
        // The keep-alive connection nobody used again is closed after the grace, not at the deadline.
        assert.equal(await unused.endedWithin(3_000), 'end');
        const { code, ms } = await exited;
        assert.equal(code, 0);
        assert.ok(ms < 3_000, `exited after ${ms} ms`);
      } finally {
        client.close();
        unused.close();
        kill(server);
      }
    });

    it('stops accepting connections at once', async () => {
      const server = await startServer({
        WORKERS: workers,
        SHUTDOWN_TIMEOUT_MS: '3000',
        HEADERS_TIMEOUT_MS: '60000',
        REQUEST_TIMEOUT_MS: '120000',
      });
      const holder = await RawConnection.open(server.url);
      try {
        // A half-sent head keeps the process alive while the new connection is tried.
        await holder.write('GET /healthz HTTP/1.1\r\n');
        const exited = terminate(server);
        await shuttingDown(server);
        await assert.rejects(fetch(`${server.url}/healthz`));
        assert.equal((await exited).code, 0);
      } finally {
        holder.close();
        kill(server);
      }
    });
  });
