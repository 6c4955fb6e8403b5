/** Plain data that the fact extractors produce and the scorer consumes. */

export type FactSource = 'status' | 'www-authenticate' | 'body' | 'jwt' | 'header' | 'text' | 'request';

/** One observation about the input, such as `jwt.expired` or `oauth.error=invalid_grant`. */
export interface Fact {
  id: string;
  source: FactSource;
  /** What a person can check, in words, with secrets already redacted. */
  detail: string;
  /** Index of the exchange the fact came from (HAR entry), when there is one. */
  entry?: number;
}

export interface Header {
  name: string;
  value: string;
}

export interface RequestRecord {
  method: string;
  url: string;
  headers: Header[];
  body?: string;
}

export interface ResponseRecord {
  /** 0: no response reached the client (network error, CORS). */
  status?: number;
  statusText?: string;
  headers: Header[];
  body?: string;
}

/** One request/response pair, as much of it as the input shows. */
export interface Exchange {
  index: number;
  request?: RequestRecord;
  response?: ResponseRecord;
  /** When the client sent the request; the reference time for token claims. */
  startedAt?: Date;
  /** Where a redirect response sent the client. */
  redirectTo?: string;
}

export type InputKind = 'text' | 'error' | 'http' | 'har';

/** The input reduced to what every extractor understands. */
export interface Observation {
  kind: InputKind;
  /** What a person wrote: the symptom description or anything pasted that is not HTTP. */
  text: string;
  exchanges: Exchange[];
  /** For a HAR: which tool wrote it, and whether credentials look stripped (a sanitized export). */
  capture?: { creator: string; sanitized: boolean };
}

export interface DecodedToken {
  /** Where the token was found, e.g. `Authorization header` or `text`. */
  location: string;
  /** The exchange it was found in, for a capture. */
  entry?: number;
  /** Redacted form, safe to show. */
  redacted: string;
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  /** Claim times in words, relative to the reference time. */
  notes: string[];
}

/** Everything extracted from an observation. */
export interface FactSet {
  facts: Fact[];
  /** Error texts to match phrases against (bodies, descriptions, the user's words). */
  texts: string[];
  /** Machine error codes seen (`invalid_token`, `rate_limit_exceeded`), lower case. */
  errorCodes: Array<{ code: string; where: string; entry?: number }>;
  /** `network`: status 0 explained by a network failure (DNS, refused, TLS), not a policy. */
  statuses: Array<{ status: number; entry?: number; inferred: boolean; network?: boolean }>;
  tokens: DecodedToken[];
}

export function emptyFactSet(): FactSet {
  return { facts: [], texts: [], errorCodes: [], statuses: [], tokens: [] };
}

export function headerValue(headers: Header[] | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers?.find((header) => header.name.toLowerCase() === lower)?.value;
}
