import { LruMap } from '../lru-map.ts';
import { toHex } from '../text/hex.ts';

/**
 * A bounded least-recently-used cache of serialised responses. Help-widget searches and pasted
 * errors repeat heavily (everyone hit by one incident pastes the same response), so answering
 * a repeat from memory is most of what keeps latency flat under load.
 *
 * Keys are SHA-256 digests of the request, never the request itself, so a pasted token is not
 * kept in memory; values are responses, which are redacted before they are cached, and kept
 * encoded, so a hit is written out without encoding it again.
 */
export class ResponseCache<V = Uint8Array<ArrayBuffer>> extends LruMap<string, V> {}

const encoder = new TextEncoder();

/** Turns the parts of a request into a cache key; an entry may bring a faster one. */
export type Digest = (parts: Array<string | Uint8Array>) => string | Promise<string>;

/** The Web Crypto digest: SHA-256 of the parts, hex-encoded. */
export const webCryptoDigest: Digest = (parts) => cacheKey(...parts);

async function cacheKey(...parts: Array<string | Uint8Array>): Promise<string> {
  const chunks = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
  const length = chunks.reduce((sum, chunk) => sum + chunk.byteLength + 1, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength + 1;
  }
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', joined)));
}
