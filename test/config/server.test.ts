import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/limits.ts';
import { DEFAULT_SERVER_CONFIG, MAX_WORKERS, readServerConfig } from '../../src/config/server.ts';
import { RawConnection } from '../support/raw-http.ts';
import { startServer } from '../support/server.ts';

const refused = (variable: RegExp) => (error: unknown) => error instanceof ConfigError && variable.test(error.message);

describe('readServerConfig', () => {
  it('has a default for every setting and reads each variable', () => {
    assert.deepEqual(readServerConfig({}), DEFAULT_SERVER_CONFIG);
    assert.deepEqual(
      readServerConfig({
        PORT: '0',
        HOST: '::1',
        MAX_HEADER_BYTES: '1024',
        HEADERS_TIMEOUT_MS: '1',
        REQUEST_TIMEOUT_MS: '1',
        SHUTDOWN_TIMEOUT_MS: '1',
        SHUTDOWN_IDLE_GRACE_MS: '0',
        REFUSED_BODY_DRAIN_MB: '0.5',
        REFUSED_BODY_DRAIN_MS: '0',
        WORKERS: '3',
      }),
      {
        port: 0,
        host: '::1',
        maxHeaderBytes: 1024,
        headersTimeoutMs: 1,
        requestTimeoutMs: 1,
        shutdownTimeoutMs: 1,
        shutdownIdleGraceMs: 0,
        refusedBodyDrainBytes: 524_288,
        refusedBodyDrainMs: 0,
        workers: 3,
      },
    );
  });

  it('WORKERS: the number of CPUs by default, at most MAX_WORKERS, 1 to MAX_WORKERS when set', () => {
    assert.equal(readServerConfig({}).workers, 1, 'without the machine, one process');
    assert.equal(readServerConfig({}, 2).workers, 2);
    assert.equal(readServerConfig({}, MAX_WORKERS).workers, MAX_WORKERS);
    assert.equal(readServerConfig({}, MAX_WORKERS + 1).workers, MAX_WORKERS, 'a bigger machine gets the most allowed');
    assert.equal(readServerConfig({ WORKERS: '1' }, 8).workers, 1);
    assert.equal(readServerConfig({ WORKERS: String(MAX_WORKERS) }, 2).workers, MAX_WORKERS);
    assert.equal(readServerConfig({ WORKERS: '' }, 4).workers, 4, 'empty is unset');
    for (const bad of ['0', String(MAX_WORKERS + 1), '1.5', '-2', 'all', 'auto'])
      assert.throws(
        () => readServerConfig({ WORKERS: bad }),
        refused(new RegExp(`^WORKERS must be a whole number of processes from 1 to ${MAX_WORKERS} .*not "${bad}"`)),
        bad,
      );
  });

  it('refuses values past each edge, naming the variable', () => {
    assert.throws(() => readServerConfig({ PORT: '65536' }), refused(/^PORT/));
    assert.throws(
      () => readServerConfig({ MAX_HEADER_BYTES: '1023' }),
      refused(/^MAX_HEADER_BYTES must be a whole number of at least 1024/),
    );
    assert.throws(() => readServerConfig({ HEADERS_TIMEOUT_MS: '0' }), refused(/^HEADERS_TIMEOUT_MS/));
    assert.throws(() => readServerConfig({ REQUEST_TIMEOUT_MS: '1.5' }), refused(/^REQUEST_TIMEOUT_MS/));
    assert.throws(
      () => readServerConfig({ SHUTDOWN_TIMEOUT_MS: '0' }),
      refused(/^SHUTDOWN_TIMEOUT_MS must be a whole number of at least 1/),
    );
    assert.throws(() => readServerConfig({ SHUTDOWN_IDLE_GRACE_MS: '-1' }), refused(/^SHUTDOWN_IDLE_GRACE_MS/));
    assert.throws(
      () => readServerConfig({ REFUSED_BODY_DRAIN_MB: 'lots' }),
      refused(/^REFUSED_BODY_DRAIN_MB must be a number of MiB/),
    );
    assert.throws(() => readServerConfig({ REFUSED_BODY_DRAIN_MS: '-5' }), refused(/^REFUSED_BODY_DRAIN_MS/));
    assert.throws(
      () => readServerConfig({ HEADERS_TIMEOUT_MS: '5001', REQUEST_TIMEOUT_MS: '5000' }),
      refused(/HEADERS_TIMEOUT_MS \(5001\) must not be longer than REQUEST_TIMEOUT_MS \(5000\)/),
    );
    assert.equal(readServerConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '5000' }).headersTimeoutMs, 5000);
  });

  it('stops the server at start-up with the message', async () => {
    await assert.rejects(
      startServer({ SHUTDOWN_TIMEOUT_MS: 'soon' }),
      /SHUTDOWN_TIMEOUT_MS must be a whole number of at least 1, not \\"soon\\"/,
    );
  });
});

describe('slow clients without a shutdown', () => {
  it('HEADERS_TIMEOUT_MS=1000: a half-sent head is answered 408 and closed within about 2 s', async () => {
    const server = await startServer({ HEADERS_TIMEOUT_MS: '1000' });
    const client = await RawConnection.open(server.url);
    try {
      const started = Date.now();
      await client.write('GET /healthz HTTP/1.1\r\nHost: fixpath\r\n');
      const response = await client.readResponse(5_000);
      assert.equal(response.status, 408);
      assert.notEqual(await client.endedWithin(1_000), 'open');
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 3_000, `closed after ${waited} ms`);
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('REQUEST_TIMEOUT_MS=2000: a body that never finishes is answered 408 and closed within about 3 s', async () => {
    const server = await startServer({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
    const client = await RawConnection.open(server.url);
    try {
      const started = Date.now();
      await client.write(
        'POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n401',
      );
      const response = await client.readResponse(5_000);
      assert.equal(response.status, 408);
      const waited = Date.now() - started;
      assert.ok(waited >= 1_900 && waited < 4_000, `answered after ${waited} ms`);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
