/**
 * Service configuration. Every limit is named here with its default, read from environment
 * variables (Node) or Worker vars by the entries, and validated in one step.
 */
export interface Limits {
  /** Largest request body for JSON and text requests, in bytes. */
  maxBodyBytes: number;
  /** Longest `text` (or pasted body) in characters. */
  maxTextChars: number;
  /** Deepest JSON nesting accepted in a request body. */
  maxJsonDepth: number;
  /** Longest search query in characters. */
  maxQueryChars: number;
  /** Most results a search may ask for. */
  maxSearchResults: number;
  /** Responses kept for repeated searches and pastes; 0 turns the cache off. */
  responseCacheEntries: number;
  /** Largest request body carrying a HAR capture, in bytes (set in MiB with MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** Most entries read from one HAR capture. */
  maxHarEntries: number;
  /** Requests per minute for each public client (signed-in agents are not limited). */
  rateLimitPerMinute: number;
  /** Uploads (captures, files, large pastes) per minute for each public client. */
  uploadRateLimitPerMinute: number;
  /**
   * On Workers: the most bytes of the library's cold part (article text, phrase groups) an
   * isolate keeps once fetched, the least recently used dropped first (set in MiB with LIBRARY_CACHE_MB).
   */
  libraryCacheBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 2 * MIB,
  maxTextChars: 1024 * 1024,
  maxJsonDepth: 64,
  maxQueryChars: 512,
  maxSearchResults: 50,
  responseCacheEntries: 2000,
  maxUploadBytes: 100 * MIB,
  maxHarEntries: 100_000,
  rateLimitPerMinute: 120,
  uploadRateLimitPerMinute: 10,
  libraryCacheBytes: 16 * MIB,
};

const LIMIT_VARIABLES: Record<keyof Limits, string> = {
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxTextChars: 'MAX_TEXT_CHARS',
  maxJsonDepth: 'MAX_JSON_DEPTH',
  maxQueryChars: 'MAX_QUERY_CHARS',
  maxSearchResults: 'MAX_SEARCH_RESULTS',
  responseCacheEntries: 'RESPONSE_CACHE_ENTRIES',
  maxUploadBytes: 'MAX_UPLOAD_MB',
  maxHarEntries: 'MAX_HAR_ENTRIES',
  rateLimitPerMinute: 'RATE_LIMIT_PER_MINUTE',
  uploadRateLimitPerMinute: 'UPLOAD_RATE_LIMIT_PER_MINUTE',
  libraryCacheBytes: 'LIBRARY_CACHE_MB',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Read the limits from environment-style variables; a bad value stops start-up with its name. */
export function readLimits(env: Record<string, string | undefined>): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, variable] of Object.entries(LIMIT_VARIABLES) as Array<[keyof Limits, string]>) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (key === 'maxUploadBytes' || key === 'libraryCacheBytes') {
      limits[key] = readMebibytes(variable, raw, 1);
      continue;
    }
    limits[key] = readWholeNumber(variable, raw, key === 'responseCacheEntries' ? 0 : 1);
  }
  return limits;
}

export function readWholeNumber(variable: string, raw: string, least: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < least)
    throw new ConfigError(`${variable} must be a whole number of at least ${least}, not "${raw}"`);
  return value;
}

/**
 * A size set in MiB, as bytes: exactly that many MiB, fractions allowed (0.5 is 524,288
 * bytes; a fraction of a byte is dropped).
 */
export function readMebibytes(variable: string, raw: string, leastBytes: number): number {
  const value = Number(raw);
  const bytes = Math.floor(value * MIB);
  if (!Number.isFinite(value) || !(bytes >= leastBytes)) {
    throw new ConfigError(
      `${variable} must be a number of MiB (fractions allowed, e.g. 0.5) ${leastBytes > 0 ? 'above 0' : 'of at least 0'}, not "${raw}"`,
    );
  }
  return bytes;
}
