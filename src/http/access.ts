import type { Context, MiddlewareHandler } from 'hono';
import type { Audience } from '../kb/search-articles.ts';
import { type Agent, AuthError, type Verifier } from './auth.ts';
import { PROBLEM_TYPE_BASE, problemResponse } from './problems.ts';
import type { ClientView } from './proxy.ts';
import type { RateLimit, RateLimitStore } from './security.ts';

export type AppEnv = { Variables: { requestId: string; client: ClientView; agent: Agent | null; audience: Audience } };

const REALM = 'fixpath';
const DEFAULT_RETRY_AFTER_SECONDS = 5;
const STATUS: Record<AuthError['code'], 400 | 401 | 403 | 503> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  unavailable: 503,
};

/** An RFC 6750 answer: the challenge in WWW-Authenticate, the same words in a problem body. */
export function authProblem(c: Context, error: AuthError | null): Response {
  if (!error) {
    // No credential at all: a challenge with no error code (RFC 6750 §3.1).
    return problemResponse(
      c,
      {
        type: `${PROBLEM_TYPE_BASE}unauthenticated`,
        title: 'Sign-in required',
        status: 401,
        detail: 'this route is for support agents: send Authorization: Bearer <token>',
        instance: c.req.path,
      },
      { 'www-authenticate': `Bearer realm="${REALM}"` },
    );
  }
  const status = STATUS[error.code];
  const headers: Record<string, string> =
    error.code === 'unavailable'
      ? { 'retry-after': String(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) }
      : {
          'www-authenticate': `Bearer realm="${REALM}", error="${error.code}", error_description="${error.message.replace(/["\\]/g, '')}"`,
        };
  return problemResponse(
    c,
    {
      type: `${PROBLEM_TYPE_BASE}${error.code.replace(/_/g, '-')}`,
      title: titleOf(error.code),
      status,
      detail: error.message,
      instance: c.req.path,
    },
    headers,
  );
}

function titleOf(code: AuthError['code']): string {
  return {
    invalid_request: 'Invalid sign-in request',
    invalid_token: 'Invalid token',
    insufficient_scope: 'Not allowed',
    unavailable: 'Sign-in unavailable',
  }[code];
}

/**
 * Who is calling. Without credentials: the public (customers through the widget). With a valid
 * bearer JWT carrying the agent role: an agent, who also sees internal articles. A credential
 * that is present but wrong is refused, never silently downgraded to public.
 */
export function authenticate(verifier: Verifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (verifier.mode === 'local') {
      c.set('agent', { subject: 'local', roles: [], hasAgentRole: true });
      c.set('audience', { includeInternal: true });
      return next();
    }
    const url = new URL(c.req.url);
    if (url.searchParams.has('access_token')) {
      return authProblem(
        c,
        new AuthError(
          'invalid_request',
          'send the token in the Authorization header, not in the URL, where it ends up in logs and browser history',
        ),
      );
    }
    const headers = c.req.raw.headers.get('authorization');
    if (headers === null) {
      c.set('agent', null);
      c.set('audience', { includeInternal: false });
      return next();
    }
    if (headers.includes(','))
      return authProblem(
        c,
        new AuthError('invalid_request', 'send exactly one Authorization header with one Bearer token'),
      );
    const match = /^\s*([A-Za-z][A-Za-z0-9-]*)(?:\s+(\S+))?\s*$/.exec(headers);
    if (!match || match[1]!.toLowerCase() !== 'bearer') {
      return authProblem(c, new AuthError('invalid_request', 'use the Bearer scheme: Authorization: Bearer <token>'));
    }
    if (!match[2])
      return authProblem(
        c,
        new AuthError('invalid_request', 'the Authorization header has the Bearer scheme but no token'),
      );
    let agent: Agent;
    try {
      agent = await verifier.verify(match[2]);
    } catch (error) {
      if (error instanceof AuthError) return authProblem(c, error);
      return authProblem(c, new AuthError('invalid_token', 'the token cannot be verified'));
    }
    c.set('agent', agent);
    c.set('audience', { includeInternal: agent.hasAgentRole });
    return next();
  };
}

/** For routes only agents may use: a token with the agent role is required. */
export function requireAgent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const agent = c.get('agent');
    if (!agent) return authProblem(c, null);
    if (!agent.hasAgentRole)
      return authProblem(
        c,
        new AuthError('insufficient_scope', 'the token does not carry the support-agent role (AUTH_AGENT_ROLE)'),
      );
    return next();
  };
}

export interface RateLimits {
  /** Every public request. */
  requests: RateLimit;
  /** Public uploads (captures, files): a tighter budget on top of the first. */
  uploads: RateLimit;
}

/**
 * Rate limits for the public, per client; signed-in agents are not limited. Each answer says
 * the budget (RateLimit-Policy) and what is left (RateLimit); a refusal is 429 with Retry-After.
 */
export function rateLimit(store: RateLimitStore, rules: RateLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('agent')) return next();
    const client = c.get('client').address;
    const upload = c.req.method === 'POST' && isUpload(c);
    const checks: Array<[string, RateLimit]> = [
      ['requests', rules.requests],
      ...(upload ? [['uploads', rules.uploads] as [string, RateLimit]] : []),
    ];
    for (const [name, rule] of checks) {
      const result = await store.take(name, client, rule);
      c.header('ratelimit-policy', `"${name}";q=${rule.limit};w=${rule.windowSeconds}`);
      if (result.remaining !== undefined)
        c.header('ratelimit', `"${name}";r=${result.remaining};t=${result.resetSeconds}`);
      if (!result.allowed) {
        return problemResponse(
          c,
          {
            type: `${PROBLEM_TYPE_BASE}rate-limited`,
            title: 'Too many requests',
            status: 429,
            detail: `this client sent more than ${rule.limit} ${name} in ${rule.windowSeconds} s; wait ${result.resetSeconds} s`,
            instance: c.req.path,
          },
          { 'retry-after': String(result.resetSeconds) },
        );
      }
    }
    return next();
  };
}

const UPLOAD_BYTES = 64 * 1024;

function isUpload(c: Context): boolean {
  const type = c.req.header('content-type') ?? '';
  const length = Number(c.req.header('content-length') ?? NaN);
  return (
    /multipart\/form-data/i.test(type) ||
    !Number.isFinite(length) ||
    length > UPLOAD_BYTES ||
    c.req.path === '/v1/har/sanitize'
  );
}
