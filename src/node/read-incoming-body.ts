import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { readBodyBytes, tooLarge } from '../http/read-body.ts';

/**
 * Read a body straight from Node's IncomingMessage, stopping at the limit. Going through the
 * Web Request's stream costs about ten times more CPU per request on Node 20. A body refused
 * part-way is left to the response, which drains it (see lingering-response.ts).
 */
export function readIncomingBody(c: Context, maxBytes: number, limitName: string): Promise<Uint8Array<ArrayBuffer>> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableEnded) return readBodyBytes(c.req.raw, maxBytes, limitName);
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes, limitName));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        incoming.off('data', onData);
        // Held until the answer is written, which then reads and drops the rest within bounds.
        incoming.pause();
        reject(tooLarge(maxBytes, limitName));
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => {
      const body = Buffer.concat(chunks, size);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>);
    });
    incoming.once('error', reject);
  });
}
