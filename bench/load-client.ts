import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive load generator for the throughput benches, on `node:net` sockets.
 *
 * Why not autocannon: on a 2-core machine the load generator shares the cores it measures, and
 * autocannon took 0.14–0.25 of the two (per response it parses with http-parser-js, building
 * header strings, resets a timeout timer, and records into HDR histograms), which capped the
 * cluster's measured gain. This one writes prebuilt request Buffers and frames each response by
 * scanning its bytes: sockets read into one reused buffer (`onread`, not a Readable stream of new
 * Buffers), the head is copied into a buffer preallocated per connection, a Content-Length body
 * is skipped by arithmetic, a chunked body by its size lines, and latencies land in a
 * preallocated Float64Array. Its own code allocates nothing per response; what remains is the
 * system calls (a write and a read per request) and the event loop's wake-up for each response.
 *
 * Like autocannon with pipelining 1: each connection sends one request, waits for its complete
 * response, then sends the next, cycling through the request list from its start.
 */

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** The server's origin, e.g. http://127.0.0.1:8080 (a path in it is ignored: each request names its own). */
  url: string;
  connections: number;
  durationMs: number;
  /** Sent in turn on every connection, each connection starting at the first. */
  requests: LoadRequest[];
  /** Stop once this many responses have arrived, before the deadline if it comes first: exact counts for tests. */
  maxRequests?: number;
}

export interface LoadResult {
  /** Complete responses, whatever their status. */
  requests: number;
  /** Of which the responses whose status was not 2xx. */
  non2xx: number;
  /** Connections that failed: refused, reset, closed mid-response, or a response that is not HTTP/1.1. */
  errors: number;
  /** Requests still waiting for their response when the run stopped: not counted in `requests`. */
  abandoned: number;
  elapsedMs: number;
  /** Responses per second over the run. */
  rps: number;
  /** Milliseconds from writing a request to the last byte of its response. */
  latency: { p50: number; p99: number; max: number };
}

/** After a failed connection, wait this long before the next: a refused port does not spin the CPU. */
const RECONNECT_DELAY_MS = 10;
/** Room for one response head; a server sending more is broken, and counted as an error. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Hex digits of a chunk size: 12 are 256 TiB, so more means a broken stream, not a big chunk. */
const MAX_CHUNK_SIZE_DIGITS = 12;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const run = new LoadRun(options);
  return run.finished;
}

/** A malformed response: the connection it came on is counted as failed and replaced. */
export class ProtocolError extends Error {}

// ---------------------------------------------------------------------------------------------
// Requests

/** Every request as the bytes to write, built once: the hot loop only hands a Buffer to the socket. */
export function buildRequests(url: string, requests: LoadRequest[]): Buffer[] {
  const host = new URL(url).host;
  return requests.map((request) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${host}\r\n`;
    for (const [name, value] of Object.entries(request.headers ?? {})) head += `${name}: ${value}\r\n`;
    // A body-less POST still says so, or a server would wait for a body to end.
    if (body !== undefined || !['GET', 'HEAD'].includes(request.method))
      head += `Content-Length: ${body?.length ?? 0}\r\n`;
    head += 'Connection: keep-alive\r\n\r\n';
    return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
  });
}

// ---------------------------------------------------------------------------------------------
// Response framing

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const SEMICOLON = 59;
const COLON = 58;
const DIGIT_ZERO = 48;
const HEAD_END = [CR, LF, CR, LF];
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const CHUNKED = Buffer.from('chunked', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');

/** Where the parser is in the byte stream of one connection. */
const State = {
  head: 0,
  /** A Content-Length body: `remaining` bytes to skip. */
  body: 1,
  chunkSize: 2,
  /** After a chunk size, `;name=value` extensions up to the line's CR. */
  chunkExtension: 3,
  chunkSizeLineFeed: 4,
  chunkData: 5,
  chunkDataReturn: 6,
  chunkDataLineFeed: 7,
  /** After the last (zero) chunk: trailer lines up to an empty one. */
  trailer: 8,
  /** No Content-Length and not chunked: the body ends when the connection does. */
  untilClose: 9,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Frames HTTP/1.1 responses in a byte stream that arrives in arbitrary pieces: a response may be
 * split over many chunks, several may share one. Reports each complete response's status.
 */
export class ResponseParser {
  /** Whether the server will close the connection after the response just reported. */
  closeAfter = false;
  private state: State = State.head;
  private readonly head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  private headLength = 0;
  /** How many bytes of CR LF CR LF the head's end has matched so far. */
  private headEndMatched = 0;
  private status = 0;
  /** Bytes left of a Content-Length body or of a chunk. */
  private remaining = 0;
  private chunkSizeDigits = 0;
  /** Length of the current trailer line, CR not counted: 0 at its LF means the message ended. */
  private trailerLineLength = 0;

  /** `bodiless()` says whether the next response cannot have a body (the answer to a HEAD request). */
  constructor(
    private readonly onResponse: (status: number) => void,
    private readonly bodiless: () => boolean = () => false,
  ) {}

  /**
   * Consume bytes [0, end) of a chunk as it came off the socket (the socket reads into one reused
   * buffer, hence `end`). Throws ProtocolError on a malformed response.
   */
  push(chunk: Buffer, end = chunk.length): void {
    let offset = 0;
    while (offset < end) {
      if (this.state === State.head) offset = this.readHead(chunk, offset, end);
      else if (this.state === State.body || this.state === State.chunkData) offset = this.skipBody(offset, end);
      else if (this.state === State.untilClose) offset = end;
      else this.readFramingByte(chunk[offset++]!);
    }
  }

  /**
   * The connection ended. Completes a body that runs to the close; returns whether the stream
   * ended between responses (else a response was cut).
   */
  end(): boolean {
    if (this.state === State.untilClose) {
      this.complete();
      return true;
    }
    return this.state === State.head && this.headLength === 0;
  }

  private readHead(chunk: Buffer, offset: number, end: number): number {
    let index = offset;
    // Empty lines before a status line are to be ignored (RFC 9112 §2.2); some servers send one after a body.
    if (this.headLength === 0) while (index < end && (chunk[index] === CR || chunk[index] === LF)) index += 1;
    const start = index;
    let matched = this.headEndMatched;
    while (index < end && matched < HEAD_END.length) {
      const byte = chunk[index++]!;
      if (byte === HEAD_END[matched]) matched += 1;
      else matched = byte === CR ? 1 : 0;
    }
    if (this.headLength + index - start > MAX_HEAD_BYTES) throw new ProtocolError('response head too large');
    chunk.copy(this.head, this.headLength, start, index);
    this.headLength += index - start;
    this.headEndMatched = matched;
    if (matched === HEAD_END.length) this.parseHead();
    return index;
  }

  /** The head is complete in `this.head`: read the status and how the body is framed, then expect it. */
  private parseHead(): void {
    const head = this.head;
    const length = this.headLength;
    this.headLength = 0;
    this.headEndMatched = 0;
    // "HTTP/1.x 200 ": the status is the three digits after the version.
    if (length < 12 || head.compare(HTTP_1, 0, HTTP_1.length, 0, HTTP_1.length) !== 0 || head[8] !== SPACE)
      throw new ProtocolError('not an HTTP/1.x response');
    const status = decimalValue(head, 9, 12);
    if (status < 100) throw new ProtocolError('bad status code');
    // HTTP/1.0 closes after each response unless it says keep-alive; 1.1 keeps the connection unless it says close.
    let closeAfter = head[7] === DIGIT_ZERO;
    let contentLength = -1;
    let chunked = false;
    let transferEncoded = false;
    let lineStart = head.indexOf(LF, 0) + 1;
    // The last 2 bytes are the empty line's CR LF.
    while (lineStart < length - 2) {
      const lineEnd = head.indexOf(CR, lineStart);
      const colon = head.indexOf(COLON, lineStart);
      if (colon > lineStart && colon < lineEnd) {
        const [valueStart, valueEnd] = trimmed(head, colon + 1, lineEnd);
        if (equalsLowerCase(head, lineStart, colon, CONTENT_LENGTH))
          contentLength = decimalValue(head, valueStart, valueEnd);
        else if (equalsLowerCase(head, lineStart, colon, TRANSFER_ENCODING)) {
          transferEncoded = true;
          // Chunked is the last coding when present; what it wraps does not change the framing.
          chunked = endsWithLowerCase(head, valueStart, valueEnd, CHUNKED);
        } else if (equalsLowerCase(head, lineStart, colon, CONNECTION)) {
          if (containsLowerCase(head, valueStart, valueEnd, CLOSE)) closeAfter = true;
          else if (containsLowerCase(head, valueStart, valueEnd, KEEP_ALIVE)) closeAfter = false;
        }
      }
      lineStart = lineEnd + 2;
    }
    this.expectBody(status, closeAfter, contentLength, chunked, transferEncoded);
  }

  /** Framing by RFC 9112 §6.3: no body, chunked (which overrides a length), a length, or up to the close. */
  private expectBody(
    status: number,
    closeAfter: boolean,
    contentLength: number,
    chunked: boolean,
    transferEncoded: boolean,
  ): void {
    // 1xx is interim (100 Continue, 103 Early Hints): the real response follows, for the same request.
    if (status < 200) return;
    this.status = status;
    this.closeAfter = closeAfter;
    if (this.bodiless() || status === 204 || status === 304) this.complete();
    else if (chunked) this.startChunkSize();
    else if (!transferEncoded && contentLength >= 0) {
      this.remaining = contentLength;
      if (contentLength === 0) this.complete();
      else this.state = State.body;
    } else {
      this.closeAfter = true;
      this.state = State.untilClose;
    }
  }

  private skipBody(offset: number, end: number): number {
    const taken = Math.min(this.remaining, end - offset);
    this.remaining -= taken;
    if (this.remaining === 0) {
      if (this.state === State.body) this.complete();
      else this.state = State.chunkDataReturn;
    }
    return offset + taken;
  }

  /** One byte of a chunk size line, of the CR LF after a chunk, or of the trailers. */
  private readFramingByte(byte: number): void {
    switch (this.state) {
      case State.chunkSize:
        this.readChunkSizeByte(byte);
        break;
      case State.chunkExtension:
        if (byte === CR) this.state = State.chunkSizeLineFeed;
        break;
      case State.chunkSizeLineFeed:
        if (byte !== LF) throw new ProtocolError('chunk size line without LF');
        if (this.remaining > 0) this.state = State.chunkData;
        else {
          this.trailerLineLength = 0;
          this.state = State.trailer;
        }
        break;
      case State.chunkDataReturn:
        if (byte !== CR) throw new ProtocolError('chunk longer than its size');
        this.state = State.chunkDataLineFeed;
        break;
      case State.chunkDataLineFeed:
        if (byte !== LF) throw new ProtocolError('chunk data without CR LF');
        this.startChunkSize();
        break;
      case State.trailer:
        if (byte === LF) {
          if (this.trailerLineLength === 0) this.complete();
          this.trailerLineLength = 0;
        } else if (byte !== CR) this.trailerLineLength += 1;
        break;
    }
  }

  private startChunkSize(): void {
    this.remaining = 0;
    this.chunkSizeDigits = 0;
    this.state = State.chunkSize;
  }

  private readChunkSizeByte(byte: number): void {
    const digit = hexDigit(byte);
    if (digit >= 0) {
      this.chunkSizeDigits += 1;
      if (this.chunkSizeDigits > MAX_CHUNK_SIZE_DIGITS) throw new ProtocolError('chunk size too long');
      this.remaining = this.remaining * 16 + digit;
      return;
    }
    if (this.chunkSizeDigits === 0) throw new ProtocolError('chunk size without digits');
    if (byte === CR) this.state = State.chunkSizeLineFeed;
    else if (byte === SEMICOLON || byte === SPACE || byte === TAB) this.state = State.chunkExtension;
    else throw new ProtocolError('bad chunk size');
  }

  private complete(): void {
    this.state = State.head;
    this.onResponse(this.status);
  }
}

/** The value of the decimal digits in bytes [start, end); throws on anything else, or on none. */
function decimalValue(bytes: Buffer, start: number, end: number): number {
  if (start >= end) throw new ProtocolError('number without digits');
  let value = 0;
  for (let index = start; index < end; index += 1) {
    const digit = bytes[index]! - 48;
    if (digit < 0 || digit > 9) throw new ProtocolError('not a number');
    value = value * 10 + digit;
  }
  return value;
}

function hexDigit(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** [start, end) without the spaces and tabs around a header value. */
function trimmed(bytes: Buffer, start: number, end: number): [number, number] {
  let from = start;
  let to = end;
  while (from < to && (bytes[from] === SPACE || bytes[from] === TAB)) from += 1;
  while (to > from && (bytes[to - 1] === SPACE || bytes[to - 1] === TAB)) to -= 1;
  return [from, to];
}

/** Whether bytes [start, start + word.length) are `word` (lower case ASCII), ignoring the bytes' case. */
function matchesAt(bytes: Buffer, start: number, word: Buffer): boolean {
  for (let index = 0; index < word.length; index += 1) {
    const byte = bytes[start + index]!;
    // Folding with 0x20 is right for letters; the words compared here hold only letters and '-'.
    if ((byte >= 65 && byte <= 90 ? byte | 0x20 : byte) !== word[index]) return false;
  }
  return true;
}

const equalsLowerCase = (bytes: Buffer, start: number, end: number, word: Buffer): boolean =>
  end - start === word.length && matchesAt(bytes, start, word);

const endsWithLowerCase = (bytes: Buffer, start: number, end: number, word: Buffer): boolean =>
  end - start >= word.length && matchesAt(bytes, end - word.length, word);

function containsLowerCase(bytes: Buffer, start: number, end: number, word: Buffer): boolean {
  for (let index = start; index + word.length <= end; index += 1) if (matchesAt(bytes, index, word)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Latency

/** Latency samples in a preallocated array, doubled when full (a few times a run at most), never boxed. */
class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  record(milliseconds: number): void {
    if (this.count === this.samples.length) {
      const larger = new Float64Array(this.samples.length * 2);
      larger.set(this.samples);
      this.samples = larger;
    }
    this.samples[this.count++] = milliseconds;
  }

  summary(): LoadResult['latency'] {
    const sorted = this.samples.slice(0, this.count).sort();
    // Nearest rank: the smallest sample with at least that share of samples at or below it.
    const at = (share: number): number => sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? 0;
    return { p50: at(0.5), p99: at(0.99), max: at(1) };
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/** The counters, the deadline and the connections of one `runLoad`. */
class LoadRun {
  readonly finished: Promise<LoadResult>;
  readonly requests: Buffer[];
  readonly bodiless: boolean[];
  readonly host: string;
  readonly port: number;
  readonly latency = new LatencyRecorder();
  /** Every connection's reads land here, each handled before the next read, so one buffer serves them all. */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  responses = 0;
  non2xx = 0;
  errors = 0;
  /** Requests written: with `maxRequests`, no more are written than will be counted. */
  sent = 0;
  stopped = false;
  private readonly connections: LoadConnection[] = [];
  private readonly startedAt = performance.now();
  private readonly deadline: NodeJS.Timeout;
  private finish!: (result: LoadResult) => void;

  constructor(readonly options: LoadOptions) {
    if (options.requests.length === 0) throw new Error('runLoad needs at least one request');
    const url = new URL(options.url);
    // A literal IPv6 address keeps its brackets in URL.hostname; net.connect wants it bare.
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port || 80);
    this.requests = buildRequests(options.url, options.requests);
    this.bodiless = options.requests.map((request) => request.method === 'HEAD');
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.deadline = setTimeout(() => this.stop(), options.durationMs);
    for (let index = 0; index < options.connections; index += 1) this.connections.push(new LoadConnection(this));
  }

  /** Whether another request may be written (false after the deadline, or once `maxRequests` are out). */
  maySend(): boolean {
    return !this.stopped && (this.options.maxRequests === undefined || this.sent < this.options.maxRequests);
  }

  countResponse(status: number, latencyMs: number): void {
    this.responses += 1;
    if (status < 200 || status > 299) this.non2xx += 1;
    this.latency.record(latencyMs);
    if (this.options.maxRequests !== undefined && this.responses >= this.options.maxRequests) this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.deadline);
    const elapsedMs = performance.now() - this.startedAt;
    let abandoned = 0;
    for (const connection of this.connections) abandoned += connection.close();
    this.finish({
      requests: this.responses,
      non2xx: this.non2xx,
      errors: this.errors,
      abandoned,
      elapsedMs,
      rps: (this.responses * 1000) / elapsedMs,
      latency: this.latency.summary(),
    });
  }
}

/** One keep-alive connection: one request at a time, replaced by a new one if the server closes it. */
class LoadConnection {
  private socket: Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Index of the next request in the run's list. */
  private next = 0;
  /** Index of the request in flight, -1 when none. */
  private inFlight = -1;
  private sentAt = 0;

  constructor(private readonly run: LoadRun) {
    this.open();
  }

  /** Destroy the socket; returns 1 if a request was still waiting for its response. */
  close(): number {
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    return this.inFlight >= 0 ? 1 : 0;
  }

  private open(): void {
    this.reconnectTimer = undefined;
    if (this.run.stopped) return;
    let failed = false;
    const parser = new ResponseParser(
      (status) => this.onResponse(socket, parser, status),
      () => this.inFlight >= 0 && this.run.bodiless[this.inFlight]!,
    );
    const fail = (): void => {
      if (failed || this.run.stopped) return;
      failed = true;
      this.run.errors += 1;
      this.inFlight = -1;
      socket.destroy();
    };
    // `onread` has the socket read into the run's one buffer and hand it straight here: no Buffer
    // allocated per read and no trip through the Readable stream, the client's main costs after the syscalls.
    const socket = connect({
      host: this.run.host,
      port: this.run.port,
      noDelay: true,
      onread: {
        buffer: this.run.readBuffer,
        callback: (length: number) => {
          try {
            parser.push(this.run.readBuffer, length);
          } catch {
            fail();
          }
          return true;
        },
      },
    });
    this.socket = socket;
    socket.on('connect', () => this.send(socket));
    socket.on('error', fail);
    socket.on('close', () => {
      if (this.run.stopped) return;
      if (!failed) this.endStream(parser, fail);
      this.reconnectTimer = setTimeout(() => this.open(), failed ? RECONNECT_DELAY_MS : 0);
    });
  }

  /** The server closed: a body that runs to the close is complete now; a response cut short is a failure. */
  private endStream(parser: ResponseParser, fail: () => void): void {
    try {
      if (!parser.end() || this.inFlight >= 0) fail();
    } catch {
      fail();
    }
  }

  private send(socket: Socket): void {
    if (!this.run.maySend()) return;
    this.inFlight = this.next;
    this.next = (this.next + 1) % this.run.requests.length;
    this.run.sent += 1;
    this.sentAt = performance.now();
    socket.write(this.run.requests[this.inFlight]!);
  }

  private onResponse(socket: Socket, parser: ResponseParser, status: number): void {
    // Bytes with no request waiting are not an answer to anything: a broken server.
    if (this.inFlight < 0) throw new ProtocolError('response without a request');
    this.inFlight = -1;
    this.run.countResponse(status, performance.now() - this.sentAt);
    // The server closes after this response: the 'close' handler opens the next connection.
    if (parser.closeAfter) socket.destroy();
    else this.send(socket);
  }
}
