import { pathOf } from './credentials.ts';
import { MAX_BODY_SCAN } from './scan-limits.ts';
import { type Exchange, type Fact, headerValue } from './types.ts';

/** Token and auth-code endpoints: where a client authenticates with its id and secret. */
const TOKEN_ENDPOINT =
  /\/(?:oauth2?\/(?:v\d(?:\.\d)?\/)?token|connect\/token|oauth\/access_token|token|v\d\/token|protocol\/openid-connect\/token|authcode|auth\/code|oauth2?\/code)\/?$/i;

/** A body that asks for a grant: `grant_type=…` in a form, `"grant_type":` in JSON. */
const GRANT_IN_BODY = /(^|&)grant_type=|"grant_type"\s*:/;
const CLIENT_SECRET_IN_BODY = /"client_secret"\s*:|(^|&)client_secret=/;

/** The one rule for a token or auth-code request: the client authenticates itself, with no bearer token. */
export function isTokenRequest(request: { url: string; body?: string }): boolean {
  const body = request.body?.slice(0, MAX_BODY_SCAN) ?? '';
  return TOKEN_ENDPOINT.test(pathOf(request.url)) || asksForGrant(body) || CLIENT_SECRET_IN_BODY.test(body);
}

/**
 * The part of the rule a request body alone decides without catching an introspection or a
 * revocation, which send `client_secret` too but are no token request.
 */
export function asksForGrant(body: string): boolean {
  return GRANT_IN_BODY.test(body.slice(0, MAX_BODY_SCAN));
}

/** What a token request says about how the client authenticates: its grant, where its secret travels, whether Basic is used. */
export function readTokenRequest(exchange: Exchange, add: (fact: Fact) => void): void {
  const request = exchange.request!;
  add({
    id: 'oauth.token-endpoint',
    source: 'request',
    detail: `${request.method} ${pathOf(request.url)} is a token or auth-code request, where the client authenticates`,
  });
  const body = request.body ?? '';
  const grant =
    /grant_type["']?\s*[=:]\s*["']?([a-z_:.-]+)/i.exec(body)?.[1] ??
    /[?&]grant_type=([a-z_:.-]+)/i.exec(request.url)?.[1];
  if (grant)
    add({
      id: `oauth.grant=${grant.toLowerCase()}`,
      source: 'request',
      detail: `token request with grant_type=${grant}`,
    });
  const trimmed = body.trim();
  if ((trimmed.startsWith('{') && /"client_secret"/.test(trimmed)) || /[?&]client_secret=/.test(request.url)) {
    add({
      id: 'oauth.client-secret-in-body',
      source: 'request',
      detail: 'client_secret is sent in a JSON body or the query string',
    });
  }
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization || !/^\s*basic\s/i.test(authorization)) {
    add({
      id: 'oauth.basic-auth-missing',
      source: 'request',
      detail: `the token request has no "Authorization: Basic" header${authorization ? ` (it sends ${authorization.split(/\s/)[0]} instead)` : ''}`,
    });
  }
}
