import { connect as connectTcp, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One TCP connection to a server, speaking HTTP/1.1 by hand: tests of slow clients, keep-alive
 * and shutdown need to send part of a request, wait, and see exactly how the connection ends.
 */
export class RawConnection {
  private received = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  /** How the server ended the connection: 'end' (a clean close) or the error code (a reset). */
  readonly ended: Promise<string>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
    this.ended = new Promise((resolve) => {
      socket.once('end', () => resolve('end'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.once('close', () => resolve('close'));
    });
    void this.ended.then(() => this.waiting?.());
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connectTcp(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** Write and wait until the bytes are handed to the kernel; false if the server had closed. */
  write(data: string | Uint8Array): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve(false);
      this.socket.write(data, (error) => resolve(!error));
    });
  }

  /** Read one response: its head, then a Content-Length or chunked body, or up to the close. */
  async readResponse(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    const headEnd = await this.until(() => this.received.indexOf('\r\n\r\n'), deadline);
    const [statusLine, ...lines] = this.received.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(statusLine ?? '')?.[1]);
    this.received = this.received.subarray(headEnd + 4);
    let body: Buffer;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      await this.until(() => (this.received.length >= length ? length : -1), deadline);
      body = this.received.subarray(0, length);
      this.received = this.received.subarray(length);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = await this.until(() => this.received.indexOf('\r\n'), deadline);
        const size = Number.parseInt(this.received.subarray(0, lineEnd).toString('latin1'), 16);
        await this.until(() => (this.received.length >= lineEnd + 2 + size + 2 ? 0 : -1), deadline);
        chunks.push(this.received.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.received = this.received.subarray(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    } else {
      await Promise.race([
        this.ended,
        new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
      ]);
      body = this.received;
      this.received = Buffer.alloc(0);
    }
    return { status, headers, body: body.toString('utf8') };
  }

  /** How the connection ended, or 'open' if it is still open after the time given. */
  endedWithin(ms: number): Promise<string> {
    return Promise.race([this.ended, new Promise<string>((resolve) => setTimeout(() => resolve('open'), ms))]);
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(found: () => number, deadline: number): Promise<number> {
    for (;;) {
      const at = found();
      if (at >= 0) return at;
      if (this.socket.destroyed || this.socket.readableEnded)
        throw new Error(
          `the connection ended before a whole response arrived: ${JSON.stringify(this.received.toString('latin1').slice(0, 200))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no whole response in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
