import type { Exchange } from './types.ts';

/** `error=consent_required&error_description=…` as an OAuth server returns it through a redirect (RFC 6749 §4.1.2.1). */
const OAUTH_ERROR_PARAM = /[?&#]error=([A-Za-z0-9_.:-]{3,64})(?:&|#|$)/;
const OAUTH_DESCRIPTION_PARAM = /[?&#]error_description=([^&#]{1,500})/;

/**
 * The one rule for a failing exchange: an error status or none at all, an OAuth error carried
 * in a redirect, or a token introspection that says the token is dead.
 */
export function isFailing(exchange: Exchange): boolean {
  return (
    isFailureStatus(exchange.response?.status) || oauthErrorInUrls(exchange) !== undefined || saysInactive(exchange)
  );
}

/** The part of the rule a status alone decides: no response, status 0 (blocked or cut off), or an error status. */
export function isFailureStatus(status: number | undefined): boolean {
  return status === undefined || status === 0 || status >= 400;
}

/** A token introspection endpoint (RFC 7662): its 200 answer says whether a token is still active. */
export function isIntrospection(url: string): boolean {
  return /\/introspect(?:ion)?\/?(?:[?#]|$)/i.test(url.slice(0, 2048));
}

/** A token introspection that answered `"active": false`: the token is dead though the call succeeded. */
function saysInactive(exchange: Exchange): boolean {
  const body = exchange.response?.body;
  return (
    body !== undefined &&
    isIntrospection(exchange.request?.url ?? '') &&
    /"active"\s{0,8}:\s{0,8}false/.test(body.slice(0, 4096))
  );
}

/**
 * An OAuth error carried in a redirect or callback URL: a sign-in that failed while every
 * response was a 302 or a 200. Read from the request URL and the response's redirect target.
 */
export function oauthErrorInUrls(exchange: Exchange): { code: string; description?: string } | undefined {
  for (const url of [exchange.request?.url, exchange.redirectTo]) {
    const code = url ? OAUTH_ERROR_PARAM.exec(url.slice(0, 8192))?.[1] : undefined;
    if (!code) continue;
    const raw = OAUTH_DESCRIPTION_PARAM.exec(url!.slice(0, 8192))?.[1];
    let description: string | undefined;
    try {
      description = raw ? decodeURIComponent(raw.replace(/\+/g, ' ')) : undefined;
    } catch {
      description = raw;
    }
    return { code, ...(description ? { description } : {}) };
  }
  return undefined;
}
