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
  /** Largest HAR upload, in bytes (set in MiB with MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** Most entries read from one HAR capture. */
  maxHarEntries: number;
  /** Requests per minute for each public client (signed-in agents are not limited). */
  rateLimitPerMinute: number;
  /** Uploads (captures, files, large pastes) per minute for each public client. */
  uploadRateLimitPerMinute: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxTextChars: 1024 * 1024,
  maxJsonDepth: 64,
  maxQueryChars: 512,
  maxSearchResults: 50,
  responseCacheEntries: 2000,
  maxUploadBytes: 100 * 1024 * 1024,
  maxHarEntries: 100_000,
  rateLimitPerMinute: 120,
  uploadRateLimitPerMinute: 10,
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
    const value = Number(raw);
    const least = key === 'responseCacheEntries' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) throw new ConfigError(`${variable} must be a whole number of at least ${least}, not "${raw}"`);
    limits[key] = key === 'maxUploadBytes' ? value * 1024 * 1024 : value;
  }
  return limits;
}
