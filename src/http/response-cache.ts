import { toHex } from '../text/hex.ts';

/**
 * A bounded least-recently-used cache of serialised responses. Help-widget searches and pasted
 * errors repeat heavily (everyone hit by one incident pastes the same response), so answering
 * a repeat from memory is most of what keeps latency flat under load.
 *
 * Keys are SHA-256 digests of the request, never the request itself, so a pasted token is not
 * kept in memory; values are responses, which are redacted before they are cached.
 */
export class ResponseCache<V = Uint8Array<ArrayBuffer>> {
  private readonly entries = new Map<string, V>();

  constructor(readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Re-insert to mark as most recently used: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Responses are kept encoded, so a hit is written out without encoding it again. */
  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

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
