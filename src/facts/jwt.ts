import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Redactor } from '../redact/redactor.ts';
import type { DecodedToken, Fact } from './types.ts';

/** Tokens larger than this are not decoded: no identity provider issues them. */
export const MAX_TOKEN_LENGTH = 16_384;
/** At most this many tokens are read from one input. */
export const MAX_TOKENS = 20;
/** Grace for issued-at in the future: servers commonly allow about a minute. */
const FUTURE_GRACE_MS = 60_000;
/** A not-before only seconds ahead is rounding, not a clock problem. */
const NOT_BEFORE_GRACE_MS = 5_000;

/** Runs of base64url and dots; JWTs are read out of them part by part, so no scan goes back over a run. */
const TOKEN_CHARS_RUN = /[A-Za-z0-9_.-]{12,}/g;

/** A real JWT header is at least `{"alg":"HS256"}` (20 characters encoded); shorter is an elided example like `eyJhbGciOi...`. */
const MIN_HEADER_CHARS = 16;
const MIN_PAYLOAD_CHARS = 8;

/** JWT-shaped strings in a text, in order, capped; elided examples (`eyJhbGciOi...`) are not tokens. */
export function findJwts(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(TOKEN_CHARS_RUN)) {
    if (!match[0].includes('eyJ')) continue;
    const parts = match[0].split('.');
    for (let index = 0; index + 1 < parts.length; index += 1) {
      const header = parts[index]!.slice(parts[index]!.indexOf('eyJ'));
      const payload = parts[index + 1]!;
      if (!parts[index]!.includes('eyJ') || header.length < MIN_HEADER_CHARS || payload.length < MIN_PAYLOAD_CHARS)
        continue;
      const signature = parts[index + 2];
      found.push([header, payload, ...(signature !== undefined ? [signature] : [])].join('.'));
      if (found.length >= MAX_TOKENS) return found;
      index += signature !== undefined ? 2 : 1;
    }
  }
  return found;
}

export interface TokenContext {
  location: string;
  /** The request's own time; claims are compared with it, not with the server's clock. */
  referenceTime: Date;
  /** Says what the reference time is, for the evidence text ("the request", "now"). */
  referenceLabel: string;
  /** Host the request went to, for iss/aud comparisons. */
  requestHost?: string;
  entry?: number;
  redactor: Redactor;
}

/** A time difference in words: `40 s`, `15 min`, `2 h 5 min`, `3 days`. */
export function durationInWords(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

function claimTime(claims: Record<string, unknown>, name: string): number | 'invalid' | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 1e11) return 'invalid';
  return value * 1000;
}

function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return undefined;
  try {
    return new URL(value).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const ENVIRONMENT_WORDS =
  /(?:^|[.-])(staging|stage|stg|dev|develop|test|testing|qa|uat|sandbox|sbx|preprod|nonprod|demo|local|localhost|prod|production|eu|us|ap|apac|emea|au|uk|ca|jp|in)(?=$|[.\d-])/g;

function environmentOf(host: string): string[] {
  return [...host.matchAll(ENVIRONMENT_WORDS)]
    .map((match) => match[1]!)
    .filter((word) => word !== 'prod' && word !== 'production');
}

/** A host's site as cookies and token audiences compare them: its last two labels (a close approximation). */
export function registrableDomain(host: string): string {
  return host.split('.').slice(-2).join('.');
}

/**
 * Whether a token host and a request host belong to different environments: another site
 * altogether, or the same site with different environment or region labels (staging vs
 * production, eu vs us). `auth.example.com` issuing for `api.example.com` is normal.
 */
export function hostsDiffer(tokenHost: string, requestHost: string): boolean {
  if (registrableDomain(tokenHost) !== registrableDomain(requestHost)) return true;
  return environmentsDiffer(tokenHost, requestHost);
}

/**
 * Whether an issuer belongs to another environment than the API it is used at. An identity
 * provider on another site (`tenant.auth0.com`, `login.microsoftonline.com`) is normal and
 * its labels (`dev-123.us.auth0.com`) say nothing about the API's; only the same site with
 * different environment or region labels does.
 */
export function issuerEnvironmentDiffers(issuerHost: string, requestHost: string): boolean {
  return (
    registrableDomain(issuerHost) === registrableDomain(requestHost) && environmentsDiffer(issuerHost, requestHost)
  );
}

function environmentsDiffer(a: string, b: string): boolean {
  return environmentOf(a).sort().join(',') !== environmentOf(b).sort().join(',');
}

/**
 * Decode a token without verifying it (fixpath does not own the keys) and compare what it
 * claims with the request. Hostile values become facts, never exceptions.
 */
export function inspectToken(raw: string, context: TokenContext): { token: DecodedToken; facts: Fact[] } {
  const facts: Fact[] = [];
  const token: DecodedToken = {
    location: context.location,
    ...(context.entry !== undefined ? { entry: context.entry } : {}),
    redacted: context.redactor.preview(raw, 'token', context.location),
    header: null,
    claims: null,
    notes: [],
  };
  const add = (id: string, detail: string): void => {
    facts.push({
      id,
      source: 'jwt',
      detail: `${detail} (${context.location})`,
      ...(context.entry !== undefined ? { entry: context.entry } : {}),
    });
  };
  if (raw.length > MAX_TOKEN_LENGTH) {
    add('jwt.undecodable', `token is ${raw.length} characters long, larger than any issued token; not decoded`);
    return { token, facts };
  }
  const parts = raw.split('.');
  if (parts.length < 3) add('token.truncated', `token has ${parts.length} of the 3 dot-separated parts a JWT has`);
  try {
    token.header = decodeProtectedHeader(parts.length < 3 ? `${raw}.` : raw) as Record<string, unknown>;
  } catch {
    add('jwt.undecodable', 'token header is not valid base64url JSON');
    return { token, facts };
  }
  try {
    token.claims = decodeJwt(parts.length < 3 ? `${parts[0]}.${parts[1] ?? ''}.` : raw) as Record<string, unknown>;
  } catch {
    add(
      parts.length < 3 ? 'token.truncated' : 'jwt.undecodable',
      'token payload does not decode to JSON claims; it may be cut off or altered',
    );
    return { token, facts };
  }
  const alg = typeof token.header.alg === 'string' ? token.header.alg : '';
  if (alg.toLowerCase() === 'none') add('jwt.alg-none', `token header says alg "${alg}": the token is unsigned`);
  if (/^(RS|PS|ES)\d+$/.test(alg) && token.header.kid === undefined)
    add('jwt.kid-missing', `token is signed with ${alg} but names no kid`);

  const claims = token.claims;
  const reference = context.referenceTime.getTime();
  const label = context.referenceLabel;
  const exp = claimTime(claims, 'exp');
  const nbf = claimTime(claims, 'nbf');
  const iat = claimTime(claims, 'iat');
  for (const [name, value] of [
    ['exp', exp],
    ['nbf', nbf],
    ['iat', iat],
  ] as const) {
    if (value === 'invalid')
      add(
        'jwt.claim-invalid',
        `claim ${name} is not a valid time (${String(JSON.stringify(claims[name])).slice(0, 40)})`,
      );
  }
  if (typeof exp === 'number') {
    const delta = reference - exp;
    if (delta > 0) {
      add(
        'jwt.expired',
        `token expired ${durationInWords(delta)} before ${label} (exp ${new Date(exp).toISOString()})`,
      );
      token.notes.push(`expired ${durationInWords(delta)} before ${label}`);
    } else token.notes.push(`expires ${durationInWords(delta)} after ${label}`);
  }
  if (typeof nbf === 'number' && nbf - reference > NOT_BEFORE_GRACE_MS) {
    token.notes.push(`not valid until ${durationInWords(nbf - reference)} after ${label}`);
    add(
      'jwt.not-yet-valid',
      `token is not valid until ${durationInWords(nbf - reference)} after ${label} (nbf ${new Date(nbf).toISOString()})`,
    );
  }
  if (typeof iat === 'number') {
    const ahead = iat - reference;
    if (ahead > FUTURE_GRACE_MS) token.notes.push(`issued ${durationInWords(ahead)} after ${label}`);
    if (ahead > FUTURE_GRACE_MS)
      add(
        'jwt.issued-in-future',
        `token was issued ${durationInWords(ahead)} after ${label} (iat ${new Date(iat).toISOString()}): a clock is off`,
      );
    else token.notes.push(`issued ${durationInWords(ahead)} before ${label}`);
  }
  if (context.requestHost) {
    const issuerHost = hostOf(claims.iss);
    if (issuerHost && issuerEnvironmentDiffers(issuerHost, context.requestHost)) {
      add(
        'jwt.issuer-host-mismatch',
        `token issuer ${issuerHost} belongs to another environment than ${context.requestHost}`,
      );
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const audienceHosts = audiences.map(hostOf).filter((host): host is string => Boolean(host));
    if (audienceHosts.length > 0 && audienceHosts.every((host) => hostsDiffer(host, context.requestHost!))) {
      add(
        'jwt.audience-host-mismatch',
        `token audience ${audienceHosts.join(', ')} does not match ${context.requestHost}`,
      );
    }
  }
  return { token, facts };
}
