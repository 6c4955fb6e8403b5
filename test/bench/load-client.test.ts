import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProtocolError, ResponseParser, runLoad } from '../../bench/load-client.ts';
import { seededRandom } from '../support/seeded-random.ts';

/** Statuses the parser reports for a byte stream delivered in the given pieces. */
function statusesOf(pieces: Buffer[], bodiless = false): number[] {
  const statuses: number[] = [];
  const parser = new ResponseParser(
    (status) => statuses.push(status),
    () => bodiless,
  );
  for (const piece of pieces) parser.push(piece);
  return statuses;
}

/** The stream cut at the given offsets (ascending). */
function cut(stream: Buffer, offsets: number[]): Buffer[] {
  const bounds = [0, ...offsets, stream.length];
  return bounds.slice(1).map((end, index) => stream.subarray(bounds[index], end));
}

// Every framing the bench may meet, one after another on one connection.
const body404 = '\r\n\r\nHTTP/1.1 500 Inside\r\n\r\n';
const RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  // An interim response, then the real one for the same request.
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ncontent-length:  0 \r\n\r\n',
  // Chunked (named in any case, after another coding), with an extension, a hex size and a trailer.
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-One: 1\r\nX-Two: 2\r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n',
  // A body that looks like a response: skipped by its length, never scanned.
  `HTTP/1.1 404 Not Found\r\nContent-Length: ${body404.length}\r\n\r\n${body404}`,
  // Chunked wins over a Content-Length sent beside it.
  'HTTP/1.1 201 Created\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
];
const STREAM = Buffer.from(RESPONSES.join(''), 'latin1');
const STREAM_STATUSES = [200, 503, 200, 204, 404, 201];

describe('ResponseParser', () => {
  it('reports each response at its last byte, not before', () => {
    const lastBytes: number[] = [];
    let position = 0;
    const parser = new ResponseParser(() => lastBytes.push(position));
    for (; position < STREAM.length; position += 1) parser.push(STREAM.subarray(position, position + 1));
    let end = -1;
    assert.deepEqual(
      lastBytes,
      RESPONSES.map((response) => {
        end += response.length;
        return end;
      }),
    );
  });

  it('frames every response of a stream given whole, byte by byte, or cut anywhere', () => {
    assert.deepEqual(statusesOf([STREAM]), STREAM_STATUSES);
    assert.deepEqual(statusesOf(cut(STREAM, [...STREAM.keys()].slice(1))), STREAM_STATUSES, 'one byte at a time');
    for (let offset = 1; offset < STREAM.length; offset += 1)
      assert.deepEqual(statusesOf(cut(STREAM, [offset])), STREAM_STATUSES, `cut at ${offset}`);
    const random = seededRandom(7);
    for (let trial = 0; trial < 200; trial += 1) {
      const offsets = [...new Set(Array.from({ length: 6 }, () => 1 + Math.floor(random() * (STREAM.length - 1))))];
      assert.deepEqual(
        statusesOf(
          cut(
            STREAM,
            offsets.sort((a, b) => a - b),
          ),
        ),
        STREAM_STATUSES,
        `cut at ${offsets}`,
      );
    }
  });

  it('reads only the bytes it is told of in a reused read buffer', () => {
    // As the client's sockets fill one buffer: what lies past `end` is stale, from an earlier read.
    const reused = Buffer.alloc(STREAM.length + 64, 'HTTP/1.1 500 Stale\r\n\r\n');
    const statuses: number[] = [];
    const parser = new ResponseParser((status) => statuses.push(status));
    for (const piece of cut(STREAM, [40, 41, 150, 300])) {
      piece.copy(reused);
      parser.push(reused, piece.length);
    }
    assert.deepEqual(statuses, STREAM_STATUSES);
  });

  it('skips a large body without reporting it early, and reports the response after it', () => {
    const large = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n'),
      Buffer.alloc(1_000_000, 'HTTP/1.1 500 x\r\n\r\n'),
      Buffer.from('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
    ]);
    const statuses: number[] = [];
    const parser = new ResponseParser((status) => statuses.push(status));
    parser.push(large.subarray(0, 500_000));
    assert.deepEqual(statuses, []);
    parser.push(large.subarray(500_000));
    assert.deepEqual(statuses, [200, 502]);
  });

  it('reads a body without a length up to the close, and says when the server closes', () => {
    const statuses: number[] = [];
    const parser = new ResponseParser((status) => statuses.push(status));
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it'));
    assert.deepEqual(statuses, []);
    assert.equal(parser.end(), true);
    assert.deepEqual(statuses, [200]);
    assert.equal(parser.closeAfter, true);

    const cutShort = new ResponseParser(() => assert.fail('not complete'));
    cutShort.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly'));
    assert.equal(cutShort.end(), false);
  });

  it('expects no body after a HEAD request', () => {
    assert.deepEqual(
      statusesOf(
        [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n')],
        true,
      ),
      [200, 200],
    );
  });

  it('refuses what is not an HTTP/1.x response', () => {
    for (const text of [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 2x0 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5,5\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef',
    ])
      assert.throws(() => statusesOf([Buffer.from(text)]), ProtocolError, JSON.stringify(text));
  });
});

// ---------------------------------------------------------------------------------------------

const BODIES = ['{"text":"first"}', '{"text":"second"}', '{"text":"third"}'];
const REQUESTS = BODIES.map((body) => ({
  method: 'POST',
  path: '/v1/diagnose',
  headers: { 'content-type': 'application/json' },
  body,
}));

interface Tally {
  requests: number;
  unavailable: number;
  /** Per server-side socket, the index in BODIES of each request body it carried, in order. */
  bodiesBySocket: Map<object, number[]>;
}

/** Answers each request by its number: 503, a large body written in pieces, chunked pieces, or a short 200. */
function answer(number: number, response: ServerResponse): void {
  // Every tenth answer closes its connection: the client must open another without counting an error.
  if (number % 10 === 9) response.setHeader('connection', 'close');
  const kind = number % 4;
  if (kind === 1) {
    response.writeHead(503, { 'content-type': 'application/json' }).end('{"busy":true}');
  } else if (kind === 2) {
    const piece = Buffer.alloc(64 * 1024, 'x');
    response.writeHead(200, { 'content-length': String(piece.length * 4) });
    let written = 0;
    const writeNext = (): void => {
      written += 1;
      if (written === 4) response.end(piece);
      else response.write(piece, () => setImmediate(writeNext));
    };
    writeNext();
  } else if (kind === 3) {
    // No Content-Length and several writes: node:http sends it chunked.
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('one,');
    setImmediate(() => {
      response.write('two,');
      setImmediate(() => response.end('three'));
    });
  } else {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function openConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe('runLoad against a node:http server', () => {
  const tally: Tally = { requests: 0, unavailable: 0, bodiesBySocket: new Map() };
  let server: Server;

  before(async () => {
    server = await listen((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (text: string) => {
        body += text;
      });
      request.on('end', () => {
        assert.equal(request.headers['content-type'], 'application/json');
        const sequence = tally.bodiesBySocket.get(request.socket) ?? [];
        sequence.push(BODIES.indexOf(body));
        tally.bodiesBySocket.set(request.socket, sequence);
        const number = tally.requests;
        tally.requests += 1;
        if (number % 4 === 1) tally.unavailable += 1;
        answer(number, response);
      });
    });
  });
  after(() => server.close());

  it('counts every response exactly: 503s, bodies split over many TCP chunks, chunked bodies, closed connections', async () => {
    const result = await runLoad({
      url: urlOf(server),
      connections: 4,
      durationMs: 20_000,
      requests: REQUESTS,
      maxRequests: 400,
    });
    assert.equal(result.requests, 400);
    assert.equal(tally.requests, 400, 'the server answered as many as the client counted');
    assert.equal(result.non2xx, tally.unavailable);
    assert.equal(result.non2xx, 100);
    assert.equal(result.errors, 0);
    assert.equal(result.abandoned, 0);
    assert.ok(result.elapsedMs < 20_000, 'stopped at maxRequests, not at the deadline');
    assert.ok(result.latency.p50 > 0 && result.latency.p50 <= result.latency.p99);
    assert.ok(result.latency.p99 <= result.latency.max);
    // Each connection cycles through the bodies in order, whichever server socket carries it.
    for (const sequence of tally.bodiesBySocket.values()) {
      assert.ok(!sequence.includes(-1), 'every body is one of those given');
      for (let index = 1; index < sequence.length; index += 1)
        assert.equal(sequence[index], (sequence[index - 1]! + 1) % BODIES.length);
    }
    // Every tenth answer closed its connection, and another took its place: up to 39 beside the first 4
    // (one opened near the end may find all 400 requests already sent).
    assert.ok(
      tally.bodiesBySocket.size > 30 && tally.bodiesBySocket.size <= 43,
      `${tally.bodiesBySocket.size} sockets`,
    );
  });
});

describe('runLoad stopping', () => {
  it('stops at the deadline and closes its sockets', async () => {
    let received = 0;
    const server = await listen((_request, response) => {
      received += 1;
      setTimeout(() => response.end('late'), 20);
    });
    try {
      const started = performance.now();
      const result = await runLoad({ url: urlOf(server), connections: 3, durationMs: 300, requests: REQUESTS });
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs >= 295 && elapsedMs < 400, `returned after ${elapsedMs} ms`);
      assert.ok(result.elapsedMs >= 295 && result.elapsedMs < 400);
      assert.equal(result.errors, 0);
      assert.ok(result.requests > 10 && result.requests <= 45, `${result.requests} requests at 20 ms each`);
      assert.ok(Math.abs(result.rps - (result.requests * 1000) / result.elapsedMs) < 1e-9);
      assert.ok(result.abandoned <= 3);
      assert.ok(received >= result.requests && received <= result.requests + result.abandoned);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await openConnections(server), 0, 'no socket left open');
    } finally {
      server.close();
    }
  });

  it('counts refused connections as errors, retrying without spinning', async () => {
    const server = await listen(() => {});
    const url = urlOf(server);
    await new Promise((resolve) => server.close(resolve));
    const result = await runLoad({ url, connections: 2, durationMs: 200, requests: REQUESTS });
    assert.equal(result.requests, 0);
    assert.ok(result.errors >= 2, `${result.errors} errors`);
    // One attempt per connection every 10 ms at most.
    assert.ok(result.errors <= 2 * (200 / 10 + 1), `${result.errors} errors`);
  });
});
