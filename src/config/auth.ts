import { ConfigError } from './limits.ts';

/**
 * How agents sign in: a bearer JWT verified with jose, following RFC 8725 (JWT best current
 * practice): an explicit algorithm allowlist per key type, issuer and audience always checked,
 * `exp` required, a small clock tolerance. With no signing key configured fixpath runs in local
 * mode, where everyone on this machine is an agent; it refuses to run that way on a network.
 */
export type AuthConfig =
  | { mode: 'local' }
  | {
      mode: 'secret';
      secret: Uint8Array;
      issuer: string;
      audience: string;
      role?: string;
      clockToleranceSeconds: number;
    }
  | {
      mode: 'jwks';
      jwksUrl: URL;
      issuer: string;
      audience: string;
      role?: string;
      clockToleranceSeconds: number;
      jwksTimeoutMs: number;
      jwksCooldownMs: number;
      jwksMaxAgeMs: number;
    };

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
          "Set AUTH_JWT_SECRET (HS256, at least 32 bytes) or AUTH_JWKS_URL (your identity provider's key set), " +
          'plus AUTH_ISSUER and AUTH_AUDIENCE; or listen on 127.0.0.1 for local use.',
      );
    }
    return { mode: 'local' };
  }
  if (secret && jwksUrl) throw new ConfigError('set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  const issuer = env.AUTH_ISSUER;
  const audience = env.AUTH_AUDIENCE;
  if (!issuer || !audience)
    throw new ConfigError(
      'AUTH_ISSUER and AUTH_AUDIENCE are required with agent sign-in: tokens for another issuer or API must not be accepted',
    );
  const role = env.AUTH_AGENT_ROLE || undefined;
  const clockToleranceSeconds = whole(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', DEFAULT_CLOCK_TOLERANCE_SECONDS);
  if (clockToleranceSeconds > 300)
    throw new ConfigError(
      'AUTH_CLOCK_TOLERANCE_SECONDS must be at most 300: a larger tolerance keeps expired tokens alive',
    );
  if (secret) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.byteLength < MIN_SECRET_BYTES)
      throw new ConfigError(
        `AUTH_JWT_SECRET is ${bytes.byteLength} bytes; HS256 needs at least ${MIN_SECRET_BYTES} random bytes (for example: openssl rand -base64 48)`,
      );
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
