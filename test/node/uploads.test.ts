import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { RawConnection } from '../support/raw-http.ts';
import { type RunningServer, startServer } from '../support/server.ts';

const MIB = 1024 * 1024;
const PYTHON = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
const NO_PYTHON = PYTHON ? false : 'python3 is not installed: the urllib client cannot be run';

/**
 * Python's urllib, the client that sends `Connection: close` and writes the whole body before
 * reading a byte of the answer. Prints one JSON line per upload: the status and body it read,
 * or the error it got instead.
 */
const URLLIB_UPLOADS = `
import json, sys, urllib.request, urllib.error
url, size, count, framing = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
head = b'{"log":{"version":"1.2","entries":[]},"_pad":"'
body = head + b'x' * (size - len(head) - 2) + b'"}'
for _ in range(count):
    headers = {'Content-Type': 'application/json'}
    data = body
    if framing == 'chunked':
        headers['Transfer-Encoding'] = 'chunked'
        data = iter([body[i:i + 65536] for i in range(0, len(body), 65536)])
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method='POST'), timeout=30) as response:
            print(json.dumps({'status': response.status, 'type': response.headers.get('content-type'), 'body': response.read().decode()}))
    except urllib.error.HTTPError as error:
        print(json.dumps({'status': error.code, 'type': error.headers.get('content-type'), 'body': error.read().decode()}))
    except Exception as error:
        print(json.dumps({'error': repr(error)}))
`;

interface UrllibResult {
  status?: number;
  type?: string;
  body?: string;
  error?: string;
}

function urllibUploads(
  url: string,
  size: number,
  count: number,
  framing: 'content-length' | 'chunked',
): Promise<UrllibResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON!,
      ['-c', URLLIB_UPLOADS, url, String(size), String(count), framing],
      { maxBuffer: 16 * MIB },
      (error, stdout) => {
        if (error) return reject(error);
        resolve(
          stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as UrllibResult),
        );
      },
    );
  });
}

const readThe413 = (result: UrllibResult): boolean => {
  if (result.status !== 413 || result.type !== 'application/problem+json') return false;
  const problem = JSON.parse(result.body ?? '{}') as { status?: number; detail?: string };
  // 3 MiB is over MAX_BODY_BYTES (2 MiB) too, the limit the read stops at.
  return problem.status === 413 && /limit \((MAX_UPLOAD_MB|MAX_BODY_BYTES)\)/.test(problem.detail ?? '');
};

/** A HAR capture padded to an exact byte size. */
function captureOfSize(bytes: number): string {
  const base = JSON.stringify({
    log: {
      version: '1.2',
      entries: [
        { request: { method: 'GET', url: 'https://a.example/' }, response: { status: 401, content: { text: '' } } },
      ],
    },
  });
  return base.replace('"text":""', `"text":"${'x'.repeat(bytes - base.length)}"`);
}

/** POST a body either with its Content-Length or chunked, without one. */
function upload(url: string, body: string, framing: 'content-length' | 'chunked'): Promise<Response> {
  const bytes = new TextEncoder().encode(body);
  if (framing === 'content-length')
    return fetch(`${url}/v1/diagnose`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 64 * 1024)
        controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      controller.close();
    },
  });
  return fetch(`${url}/v1/diagnose`, {
    method: 'POST',
    body: stream,
    headers: { 'content-type': 'application/json' },
    duplex: 'half',
  } as RequestInit);
}

describe('uploads over MAX_UPLOAD_MB=1 on the real server', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ MAX_UPLOAD_MB: '1' });
  });
  after(() => server.stop());

  // 24 MiB outgrows the sockets' buffers: closing at once loses the answer every time.
  for (const size of [3, 24]) {
    for (const framing of ['content-length', 'chunked'] as const) {
      it(`urllib reads the 413 problem for 10 of 10 uploads of ${size} MiB sent with Connection: close (${framing})`, {
        skip: NO_PYTHON,
      }, async () => {
        const results = await urllibUploads(`${server.url}/v1/diagnose`, size * MIB, 10, framing);
        assert.equal(
          results.filter(readThe413).length,
          10,
          JSON.stringify(results.map((result) => result.error ?? result.status)),
        );
      });
    }
  }

  it('refuses a 1.5 MiB capture with 413 naming MAX_UPLOAD_MB (it is not rounded up to MAX_BODY_BYTES)', async () => {
    const response = await upload(server.url, captureOfSize(1.5 * MIB), 'content-length');
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.match(((await response.json()) as { detail: string }).detail, /1 MiB limit \(MAX_UPLOAD_MB\)/);
  });
});

describe('reading and dropping a refused body, within REFUSED_BODY_DRAIN_MB=8 and REFUSED_BODY_DRAIN_MS=1000', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ MAX_UPLOAD_MB: '1', REFUSED_BODY_DRAIN_MB: '8', REFUSED_BODY_DRAIN_MS: '1000' });
  });
  after(() => server.stop());

  it('urllib reads the 413 for a body within the bound, and gets a reset past it', { skip: NO_PYTHON }, async () => {
    const [within] = await urllibUploads(`${server.url}/v1/diagnose`, 7 * MIB, 1, 'content-length');
    assert.ok(within && readThe413(within), JSON.stringify(within));
    const [past] = await urllibUploads(`${server.url}/v1/diagnose`, 32 * MIB, 1, 'content-length');
    assert.match(
      past?.error ?? '',
      /Broken pipe|Connection reset|ConnectionResetError|BrokenPipeError/,
      JSON.stringify(past),
    );
  });

  it('answers a client that keeps sending slowly at once, and closes its connection after 1 s', async () => {
    const client = await RawConnection.open(server.url);
    try {
      await client.write(
        `POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: application/json\r\nContent-Length: ${3 * MIB}\r\n\r\n`,
      );
      const response = await client.readResponse(2_000);
      assert.equal(response.status, 413);
      assert.equal(response.headers.connection, 'close');
      const started = Date.now();
      const sending = setInterval(() => void client.write('x'.repeat(1024)), 50);
      const ended = await client.endedWithin(3_000);
      clearInterval(sending);
      assert.notEqual(ended, 'open');
      const waited = Date.now() - started;
      assert.ok(waited >= 700 && waited < 2_500, `closed after ${waited} ms`);
    } finally {
      client.close();
    }
  });
});

describe('MAX_UPLOAD_MB at its edge, on the real server', () => {
  // Above MAX_BODY_BYTES the limit stops the read; below it, the capture is refused once read.
  for (const env of [{ MAX_UPLOAD_MB: '1' }, { MAX_UPLOAD_MB: '1', MAX_BODY_BYTES: '65536' }] as Array<
    Record<string, string>
  >) {
    describe(JSON.stringify(env), () => {
      let server: RunningServer;
      before(async () => {
        server = await startServer(env);
      });
      after(() => server.stop());

      for (const framing of ['content-length', 'chunked'] as const) {
        it(`accepts a capture of exactly 1,048,576 bytes and refuses one byte more (${framing})`, async () => {
          const exact = await upload(server.url, captureOfSize(MIB), framing);
          assert.equal(exact.status, 200, await exact.clone().text());
          assert.equal(((await exact.json()) as { input: { kind: string } }).input.kind, 'har');
          const over = await upload(server.url, captureOfSize(MIB + 1), framing);
          assert.equal(over.status, 413);
          assert.match(((await over.json()) as { detail: string }).detail, /1 MiB limit \(MAX_UPLOAD_MB\)/);
        });
      }
    });
  }
});

describe('an adversarial multipart body on the real server', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it('does not hold up /healthz: each check answers within 1 s while 8 MiB of dashes is searched for a dashed boundary', async () => {
    const boundary = `${'-'.repeat(69)}x`;
    const client = await RawConnection.open(server.url);
    const latencies: number[] = [];
    let answered = false;
    const probing = (async () => {
      while (!answered) {
        const started = performance.now();
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await client.write(
        `POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${8 * MIB}\r\n\r\n`,
      );
      await client.write(new Uint8Array(8 * MIB).fill(0x2d));
      const response = await client.readResponse(10_000);
      answered = true;
      await probing;
      assert.equal(response.status, 400);
      assert.match((JSON.parse(response.body) as { detail: string }).detail, /does not contain its boundary/);
      assert.ok(latencies.length > 0);
      assert.ok(Math.max(...latencies) < 1_000, `slowest /healthz ${Math.round(Math.max(...latencies))} ms`);
    } finally {
      answered = true;
      client.close();
    }
  });

  it('refuses a boundary of 71 characters with a 400 problem', async () => {
    const response = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${'b'.repeat(71)}` },
      body: `--${'b'.repeat(71)}\r\n`,
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.match(((await response.json()) as { detail: string }).detail, /must be 1–70 characters/);
  });
});
