import { errors, jwtVerify, type JWTPayload } from 'jose';
import { ConfigError } from '../config/limits.ts';
import { createKeySet, KeySetUnavailable, type KeyLookup } from './key-set.ts';

/**
 * How agents sign in: a bearer JWT verified with jose, following RFC 8725 (JWT best current
 * practice): an explicit algorithm allowlist per key type, issuer and audience always checked,
 * `exp` required, a small clock tolerance. With no signing key configured fixpath runs in local
 * mode, where everyone on this machine is an agent; it refuses to run that way on a network.
 */
export type AuthConfig =
  | { mode: 'local' }
  | { mode: 'secret'; secret: Uint8Array; issuer: string; audience: string; role?: string; clockToleranceSeconds: number }
  | { mode: 'jwks'; jwksUrl: URL; issuer: string; audience: string; role?: string; clockToleranceSeconds: number; jwksTimeoutMs: number; jwksCooldownMs: number; jwksMaxAgeMs: number };

/** HS256 only with a shared secret: a secret never verifies an RS/ES token or vice versa. */
export const SECRET_ALGORITHMS = ['HS256'];
/** Asymmetric algorithms only with a key set: `none` and HMAC are never accepted from a JWKS. */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const MIN_SECRET_BYTES = 32;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_JWKS_TIMEOUT_MS = 3_000;
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60_000;

export function isLoopback(host: string): boolean {
  return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i.test(host);
}

function whole(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number, not "${raw}"`);
  return value;
}

/** Read the sign-in configuration; anything unsafe stops start-up with what to set. */
export function readAuthConfig(env: Record<string, string | undefined>, host: string): AuthConfig {
  const secret = env.AUTH_JWT_SECRET;
  const jwksUrl = env.AUTH_JWKS_URL;
  if (!secret && !jwksUrl) {
    if (!isLoopback(host)) {
      throw new ConfigError(
        `fixpath is set to listen on ${host}, beyond this machine, but agent sign-in is not configured. ` +
          'Set AUTH_JWT_SECRET (HS256, at least 32 bytes) or AUTH_JWKS_URL (your identity provider\'s key set), ' +
          'plus AUTH_ISSUER and AUTH_AUDIENCE; or listen on 127.0.0.1 for local use.',
      );
    }
    return { mode: 'local' };
  }
  if (secret && jwksUrl) throw new ConfigError('set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  const issuer = env.AUTH_ISSUER;
  const audience = env.AUTH_AUDIENCE;
  if (!issuer || !audience) throw new ConfigError('AUTH_ISSUER and AUTH_AUDIENCE are required with agent sign-in: tokens for another issuer or API must not be accepted');
  const role = env.AUTH_AGENT_ROLE || undefined;
  const clockToleranceSeconds = whole(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', DEFAULT_CLOCK_TOLERANCE_SECONDS);
  if (clockToleranceSeconds > 300) throw new ConfigError('AUTH_CLOCK_TOLERANCE_SECONDS must be at most 300: a larger tolerance keeps expired tokens alive');
  if (secret) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.byteLength < MIN_SECRET_BYTES) throw new ConfigError(`AUTH_JWT_SECRET is ${bytes.byteLength} bytes; HS256 needs at least ${MIN_SECRET_BYTES} random bytes (for example: openssl rand -base64 48)`);
    return { mode: 'secret', secret: bytes, issuer, audience, clockToleranceSeconds, ...(role ? { role } : {}) };
  }
  let url: URL;
  try {
    url = new URL(jwksUrl!);
  } catch {
    throw new ConfigError(`AUTH_JWKS_URL is not a URL: "${jwksUrl}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError('AUTH_JWKS_URL must use https (plain http only for a key set on this machine)');
  }
  return {
    mode: 'jwks',
    jwksUrl: url,
    issuer,
    audience,
    clockToleranceSeconds,
    jwksTimeoutMs: whole(env, 'AUTH_JWKS_TIMEOUT_MS', DEFAULT_JWKS_TIMEOUT_MS),
    jwksCooldownMs: whole(env, 'AUTH_JWKS_COOLDOWN_MS', DEFAULT_JWKS_COOLDOWN_MS),
    jwksMaxAgeMs: whole(env, 'AUTH_JWKS_MAX_AGE_MS', DEFAULT_JWKS_MAX_AGE_MS),
    ...(role ? { role } : {}),
  };
}

export interface Agent {
  subject: string;
  roles: string[];
  /** Whether the token carries AUTH_AGENT_ROLE (always true when no role is configured). */
  hasAgentRole: boolean;
}

/** Why a token was refused, as RFC 6750 names it, with words for `error_description`. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unavailable',
    message: string,
    /** For `unavailable`: when trying again can help. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface Verifier {
  mode: AuthConfig['mode'];
  verify(token: string): Promise<Agent>;
}

const ROLE_CLAIMS = ['roles', 'role', 'groups', 'scope', 'scp', 'permissions'];

function rolesOf(payload: JWTPayload): string[] {
  const roles: string[] = [];
  for (const claim of ROLE_CLAIMS) {
    const value = payload[claim];
    if (typeof value === 'string') roles.push(...value.split(/[\s,]+/).filter(Boolean));
    else if (Array.isArray(value)) roles.push(...value.filter((item): item is string => typeof item === 'string'));
  }
  return roles;
}

export interface VerifierDeps {
  /** Milliseconds since the epoch; the key set's cooldown and age are measured with it. */
  now?: () => number;
}

/** Build the verifier for a configuration; the key set, if any, is fetched on first use and kept (key-set.ts). */
export function createVerifier(config: AuthConfig, deps: VerifierDeps = {}): Verifier {
  if (config.mode === 'local') {
    return { mode: 'local', verify: async () => ({ subject: 'local', roles: [], hasAgentRole: true }) };
  }
  const key: Uint8Array | KeyLookup =
    config.mode === 'secret'
      ? config.secret
      : createKeySet({
          url: config.jwksUrl,
          timeoutMs: config.jwksTimeoutMs,
          cooldownMs: config.jwksCooldownMs,
          maxAgeMs: config.jwksMaxAgeMs,
          now: deps.now ?? Date.now,
        });
  const algorithms = config.mode === 'secret' ? SECRET_ALGORITHMS : JWKS_ALGORITHMS;
  return {
    mode: config.mode,
    async verify(token: string): Promise<Agent> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key as Uint8Array, {
          algorithms,
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: config.clockToleranceSeconds,
        }));
      } catch (error) {
        throw describeFailure(error);
      }
      const roles = rolesOf(payload);
      return { subject: String(payload.sub), roles, hasAgentRole: !config.role || roles.includes(config.role) };
    },
  };
}

/** Every way verification can fail, as a reason a person can act on. Never a 500. */
function describeFailure(error: unknown): AuthError {
  if (error instanceof KeySetUnavailable) return new AuthError('unavailable', error.message, error.retryAfterSeconds);
  if (error instanceof errors.JWTExpired) return new AuthError('invalid_token', 'the token has expired; sign in again');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'iss') return new AuthError('invalid_token', 'invalid issuer: the token was issued by another issuer than AUTH_ISSUER');
    if (claim === 'aud') return new AuthError('invalid_token', 'invalid audience: the token is for another API than AUTH_AUDIENCE');
    if (claim === 'nbf' || claim === 'iat') return new AuthError('invalid_token', 'the token is not valid yet; check the clocks of the issuer and this server');
    if (error.reason === 'missing') return new AuthError('invalid_token', `the token has no "${claim}" claim, which is required`);
    return new AuthError('invalid_token', `the token's "${claim}" claim is not acceptable`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthError('invalid_token', 'the token is signed with an algorithm this server does not accept');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError('invalid_token', 'the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey) return new AuthError('invalid_token', 'no key in the identity provider\'s key set matches the token\'s kid');
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new AuthError('invalid_token', 'several keys in the key set match the token; it must name its kid');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new AuthError('invalid_token', 'the token is malformed: expected a signed JWT (header.payload.signature)');
  if (error instanceof errors.JOSENotSupported) return new AuthError('invalid_token', 'the token uses a key type or algorithm this server does not support');
  // jose raises TypeError when a key does not fit the token's algorithm (HS/RS confusion).
  return new AuthError('invalid_token', 'the token cannot be verified with this server\'s keys');
}
