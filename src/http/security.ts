import type { Context, MiddlewareHandler } from 'hono';

/**
 * The public side's defences: security headers on every response, an allowlist of websites
 * that may call the API from a browser, and per-client rate limits.
 */

/** Pages may load only their own scripts and styles; API answers load nothing and frame nowhere. */
export const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Security headers on every response, set before the handler runs (changing a finished
 * response would force a copy of it). Routes that serve pages or scripts for other sites widen
 * them for themselves: see `pageHeaders` and `crossOriginScript`.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('content-security-policy', API_POLICY);
    c.header('cross-origin-resource-policy', 'same-origin');
    await next();
  };
}

/** Headers for an HTML page of fixpath's own. */
export const pageHeaders = { 'content-security-policy': PAGE_POLICY, 'x-frame-options': 'DENY' };

/** Headers for a script meant to be loaded by other websites (the help widget). */
export const crossOriginScript = { 'cross-origin-resource-policy': 'cross-origin' };

export interface OriginPolicy {
  /** Exact origins (scheme://host[:port]) of the websites that embed the widget. */
  allowed: Set<string>;
  /** The service's own origin as its users reach it (PUBLIC_ORIGIN, or what a trusted proxy says). */
  ownOrigin: (c: Context) => string;
}

/**
 * Browsers say where a call comes from in `Origin`. Calls from the service's own pages and from
 * listed websites get CORS headers for exactly that origin; calls from anywhere else are
 * refused with 403 before they run (CORS headers alone would only hide the answer from the
 * page, not stop the work). Calls without `Origin` (curl, servers) are not browser calls.
 */
export function originGuard(policy: OriginPolicy, refuse: (c: Context, origin: string) => Response): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    c.header('vary', 'Origin', { append: true });
    if (origin === undefined) return next();
    const allowed = origin !== 'null' && (origin === policy.ownOrigin(c) || policy.allowed.has(origin));
    if (!allowed) return refuse(c, origin);
    c.header('access-control-allow-origin', origin);
    if (c.req.method === 'OPTIONS') {
      c.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      c.header(
        'access-control-allow-headers',
        'authorization, content-type, x-request-id, x-fixpath-session, x-fixpath-channel',
      );
      c.header('access-control-max-age', '600');
      return c.body(null, 204);
    }
    c.header('access-control-expose-headers', 'x-request-id, retry-after, ratelimit, ratelimit-policy');
    return next();
  };
}

export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

const MAX_TRACKED_CLIENTS = 50_000;

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests left in the window, when the store knows. */
  remaining?: number;
  /** Seconds until the budget is whole again (or, refused, until the next request may go). */
  resetSeconds: number;
}

/**
 * Where budgets are kept: one instance's memory (`RateLimiter`, on Node), or a store every
 * instance shares (the Workers Rate Limiting binding, see worker.ts).
 */
export interface RateLimitStore {
  /** Take one request from `client`'s budget in `bucket` (`requests`, `uploads`). */
  take(bucket: string, client: string, rule: RateLimit): RateLimitDecision | Promise<RateLimitDecision>;
}

/**
 * Token buckets per client and class of route: each client gets `limit` requests per window,
 * refilled continuously. Memory is bounded: the least recently seen clients are forgotten.
 */
export class RateLimiter implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Take one request; returns what to tell the client, and whether it may go on. */
  take(name: string, client: string, rule: RateLimit): RateLimitDecision & { remaining: number } {
    const key = `${name}:${client}`;
    const now = this.now();
    const perSecond = rule.limit / rule.windowSeconds;
    const bucket = this.buckets.get(key) ?? { tokens: rule.limit, updated: now };
    bucket.tokens = Math.min(rule.limit, bucket.tokens + ((now - bucket.updated) / 1000) * perSecond);
    bucket.updated = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_TRACKED_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return {
        allowed: true,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.ceil((rule.limit - bucket.tokens) / perSecond),
      };
    }
    return { allowed: false, remaining: 0, resetSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }
}
