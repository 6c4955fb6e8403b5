import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { AuthConfig } from '../config/auth.ts';
import { createKeySet, type KeyLookup, KeySetUnavailable } from './key-set.ts';

/** HS256 only with a shared secret: a secret never verifies an RS/ES token or vice versa. */
export const SECRET_ALGORITHMS = ['HS256'];
/** Asymmetric algorithms only with a key set: `none` and HMAC are never accepted from a JWKS. */
export const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

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
    if (claim === 'iss')
      return new AuthError('invalid_token', 'invalid issuer: the token was issued by another issuer than AUTH_ISSUER');
    if (claim === 'aud')
      return new AuthError('invalid_token', 'invalid audience: the token is for another API than AUTH_AUDIENCE');
    if (claim === 'nbf' || claim === 'iat')
      return new AuthError(
        'invalid_token',
        'the token is not valid yet; check the clocks of the issuer and this server',
      );
    if (error.reason === 'missing')
      return new AuthError('invalid_token', `the token has no "${claim}" claim, which is required`);
    return new AuthError('invalid_token', `the token's "${claim}" claim is not acceptable`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new AuthError('invalid_token', 'the token is signed with an algorithm this server does not accept');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError('invalid_token', 'the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey)
    return new AuthError('invalid_token', "no key in the identity provider's key set matches the token's kid");
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return new AuthError('invalid_token', 'several keys in the key set match the token; it must name its kid');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return new AuthError('invalid_token', 'the token is malformed: expected a signed JWT (header.payload.signature)');
  if (error instanceof errors.JOSENotSupported)
    return new AuthError('invalid_token', 'the token uses a key type or algorithm this server does not support');
  // jose raises TypeError when a key does not fit the token's algorithm (HS/RS confusion).
  return new AuthError('invalid_token', "the token cannot be verified with this server's keys");
}
