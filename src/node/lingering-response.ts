import { type IncomingMessage, ServerResponse } from 'node:http';

/** When a response ends its connection, and how long it waits for a body nobody will read. */
export interface ConnectionPolicy {
  /** True once the server is shutting down: every answer from then on says `Connection: close`. */
  closing: () => boolean;
  /** Most bytes of an unsent body read and dropped after an early answer. */
  drainBytes: number;
  /** Longest time spent reading and dropping them. */
  drainMs: number;
}

/**
 * A ServerResponse (for `http.createServer({ ServerResponse })`) that ends its connection
 * cleanly in two cases Node leaves to chance:
 *
 * - The server is shutting down: the answer says `Connection: close`, so the client neither
 *   reuses the connection nor sees it reset.
 * - The answer comes before the client has sent the whole body (a 413, 415, 401…): the answer
 *   says `Connection: close` and is written at once, and the connection is held open while the
 *   rest of the body is read and dropped, within `drainBytes` and `drainMs`, like nginx's
 *   lingering close. Closing at once resets the connection while the client is still writing;
 *   clients that send the whole body before reading (Python's urllib, requests) then report a
 *   broken pipe instead of the answer.
 */
export function lingeringResponse(policy: ConnectionPolicy): typeof ServerResponse<IncomingMessage> {
  return class LingeringResponse extends ServerResponse<IncomingMessage> {
    #bodyDrained: Promise<void> | undefined;
    #endDeferred = false;

    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (!this.headersSent) {
        const bodyUnsent = !this.req.complete;
        if (bodyUnsent || policy.closing()) this.setHeader('connection', 'close');
        if (bodyUnsent) this.#bodyDrained = drainBody(this.req, policy);
      }
      return (super.writeHead as (...args: unknown[]) => this).call(this, statusCode, ...rest);
    }

    override end(...args: unknown[]): this {
      const end = super.end as (...args: unknown[]) => this;
      if (this.#endDeferred) return this;
      // The head decides whether to linger: write it now if the handler has not.
      if (!this.headersSent) this.writeHead(this.statusCode);
      const drained = this.#bodyDrained;
      if (drained === undefined) return end.apply(this, args);
      this.#endDeferred = true;
      const callback = args.find((arg) => typeof arg === 'function');
      const chunk = typeof args[0] === 'function' ? undefined : args[0];
      const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8';
      // The answer leaves now, so a client that reads while it sends stops sending.
      if (chunk !== undefined && chunk !== null) this.write(chunk as string | Uint8Array, encoding);
      void drained.then(() => {
        if (!this.destroyed) end.call(this, callback);
      });
      return this;
    }
  };
}

/** Read and drop the rest of a request body; settles when it has ended or a bound is reached. */
function drainBody(request: IncomingMessage, policy: ConnectionPolicy): Promise<void> {
  if (request.destroyed || request.readableEnded || policy.drainBytes === 0 || policy.drainMs === 0)
    return Promise.resolve();
  return new Promise((settle) => {
    let drained = 0;
    const stop = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', stop);
      request.off('close', stop);
      settle();
    };
    const onData = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > policy.drainBytes) stop();
    };
    const timer = setTimeout(stop, policy.drainMs);
    request.on('data', onData);
    request.once('end', stop);
    request.once('close', stop);
    request.resume();
  });
}
