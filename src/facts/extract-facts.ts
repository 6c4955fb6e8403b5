import { Redactor } from '../redact/redactor.ts';
import { pathOf, readCredentials } from './credentials.ts';
import { readErrorBody } from './error-body.ts';
import { findJwts, inspectToken, type TokenContext } from './jwt.ts';
import { readStatusesInText } from './text-signals.ts';
import { headerValue, emptyFactSet, type Exchange, type Fact, type FactSet, type Observation } from './types.ts';
import { describeChallenge, parseWwwAuthenticate } from './www-authenticate.ts';

/** Error codes defined by OAuth 2.0 (RFC 6749, 6750) and OpenID Connect, recognised in free text. */
const OAUTH_ERROR_CODES = /\b(invalid_request|invalid_token|insufficient_scope|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope|access_denied|login_required|interaction_required|consent_required|expired_token)\b/gi;
/** Token and auth-code endpoints: where a client authenticates with its id and secret. */
const TOKEN_ENDPOINT = /\/(?:oauth2?\/(?:v\d(?:\.\d)?\/)?token|connect\/token|oauth\/access_token|token|v\d\/token|protocol\/openid-connect\/token|authcode|auth\/code|oauth2?\/code)\/?$/i;
const SSO_CALLBACK = /(callback|sso|jwt|login|signin|auth)/i;
const SIGNATURE_HEADER = /^(x-signature|x-hub-signature(-256)?|x-.*-signature|signature|x-amz-signature|x-amz-date|x-timestamp|x-signature-timestamp|digest)$/i;
const CSRF_HEADER = /^(x-csrf-token|x-xsrf-token|x-csrftoken|csrf-token|x-requested-with)$/i;
const CLOCK_SKEW_MS = 2 * 60_000;
/** Network failures that also leave status 0, and are not CORS. */
const NETWORK_ERROR = /net::ERR_(?:NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|CONNECTION_(?:REFUSED|RESET|TIMED_OUT|CLOSED)|INTERNET_DISCONNECTED|NETWORK_CHANGED|ADDRESS_UNREACHABLE|TIMED_OUT|CERT_[A-Z_]+|SSL_[A-Z_]+)|NET::ERR_CERT_[A-Z_]+|\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|CERTIFICATE_VERIFY_FAILED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|SSLError|SSLHandshakeException|getaddrinfo)\b|NS_ERROR_(?:UNKNOWN_HOST|CONNECTION_REFUSED|NET_TIMEOUT)|certificate has expired|Name or service not known|Could not resolve host|No connection could be made because the target machine actively refused|connected party did not properly respond|\b(?:ConnectionRefused|HostNotFound|TimedOut) \(0x[0-9a-f]{1,8}\)|\bconnection refused\b|Connect call failed/i;
const MAX_TEXT_JWTS = 5;
/** Tokens are looked for in the first part of a body only; a token is never deep in a dump. */
const MAX_BODY_SCAN = 65_536;

export interface ExtractOptions {
  /** The clock, injected: called only when a token must be compared with the time and the input carries no time of its own. */
  clock: () => Date;
  /** The capture removed credential headers (Chrome's sanitized HAR export). */
  sanitized?: boolean;
  /** Redacts every value that goes into a fact's detail; one per diagnosis, so equal secrets match. */
  redactor?: Redactor;
}

/**
 * Turn an observation into facts. Each source of facts (status, WWW-Authenticate, body,
 * credentials, tokens, free text) is read by its own module; this function only walks the
 * exchanges and hands each part to the module that understands it.
 */
export function extractFacts(observation: Observation, options: ExtractOptions): FactSet {
  const set = emptyFactSet();
  const sanitized = options.sanitized ?? observation.capture?.sanitized ?? false;
  const redactor = options.redactor ?? new Redactor();
  options = { ...options, redactor };
  // In a capture only failing exchanges are evidence; a hundred healthy requests are context.
  const relevant = observation.kind === 'har' ? observation.exchanges.filter(isFailing) : observation.exchanges;
  for (const exchange of relevant) readExchange(exchange, set, { ...options, sanitized });
  if (observation.text) readText(observation.text, set, options);
  return set;
}

/** A request to a token or auth-code endpoint: the client authenticates itself, with no bearer token. */
export function isTokenRequest(request: { url: string; body?: string }): boolean {
  const body = request.body?.slice(0, MAX_BODY_SCAN) ?? '';
  return TOKEN_ENDPOINT.test(pathOf(request.url)) || /(^|&)grant_type=|"grant_type"\s*:|"client_secret"\s*:|(^|&)client_secret=/.test(body);
}

export function isFailing(exchange: Exchange): boolean {
  const status = exchange.response?.status;
  return status === undefined || status === 0 || status >= 400 || oauthErrorInUrls(exchange) !== undefined || saysInactive(exchange);
}

/** A token introspection endpoint (RFC 7662): its 200 answer says whether a token is still active. */
export function isIntrospection(url: string): boolean {
  return /\/introspect(?:ion)?\/?(?:[?#]|$)/i.test(url.slice(0, 2048));
}

/** A token introspection that answered `"active": false`: the token is dead though the call succeeded. */
function saysInactive(exchange: Exchange): boolean {
  const body = exchange.response?.body;
  return body !== undefined && isIntrospection(exchange.request?.url ?? '') && /"active"\s{0,8}:\s{0,8}false/.test(body.slice(0, 4096));
}

/** `error=consent_required&error_description=…` as an OAuth server returns it through a redirect (RFC 6749 §4.1.2.1). */
const OAUTH_ERROR_PARAM = /[?&#]error=([A-Za-z0-9_.:-]{3,64})(?:&|#|$)/;
const OAUTH_DESCRIPTION_PARAM = /[?&#]error_description=([^&#]{1,500})/;

/**
 * An OAuth error carried in a redirect or callback URL: a sign-in that failed while every
 * response was a 302 or a 200. Read from the request URL and the response's redirect target.
 */
function oauthErrorInUrls(exchange: Exchange): { code: string; description?: string } | undefined {
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

function readExchange(exchange: Exchange, set: FactSet, options: ExtractOptions): void {
  const entry = exchange.index;
  const redactor = options.redactor!;
  const at: { entry?: number } = { entry };
  const add = (fact: Fact): void => {
    set.facts.push({ ...fact, ...at });
  };
  const response = exchange.response;
  if (response) {
    if (typeof response.status === 'number') {
      const network = response.status === 0 ? NETWORK_ERROR.exec(`${response.statusText ?? ''} ${response.body ?? ''}`.slice(0, MAX_BODY_SCAN)) : null;
      set.statuses.push({ status: response.status, entry, inferred: false, ...(network ? { network: true } : {}) });
      if (network) {
        add({ id: 'network.error', source: 'status', detail: `no response because the network failed (${network[0]}), not because a browser policy blocked it` });
      } else if (response.status === 0) {
        add({ id: 'status=0', source: 'status', detail: 'no response reached the client (status 0)' });
        add({ id: 'cors.status-0', source: 'status', detail: 'the browser got no response (status 0): blocked by a browser policy such as CORS, or cancelled' });
      } else {
        add({ id: `status=${response.status}`, source: 'status', detail: `response status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` });
      }
    }
    readResponseHeaders(exchange, set, add, redactor);
    if (response.body) readBody(response.body, set, add, entry);
  }
  const oauthError = oauthErrorInUrls(exchange);
  if (oauthError) {
    set.errorCodes.push({ code: oauthError.code.toLowerCase(), where: 'a redirect URL', entry });
    set.texts.push(oauthError.code, ...(oauthError.description ? [oauthError.description] : []));
  }
  const request = exchange.request;
  const reference = (): { time: Date; label: string } => referenceTimeOf(exchange, options.clock);
  for (const raw of findJwts(response?.body?.slice(0, MAX_BODY_SCAN) ?? '').slice(0, MAX_TEXT_JWTS)) {
    const { time, label } = reference();
    inspect(raw, { location: 'token in the response body', referenceTime: time, referenceLabel: label, entry, redactor }, set);
  }
  if (request) {
    const host = hostOf(request.url);
    const tokenEndpoint = isTokenRequest(request);
    if (/PostmanRuntime\//.test(headerValue(request.headers, 'user-agent') ?? '')) {
      add({ id: 'client.postman', source: 'request', detail: `${request.method} ${pathOf(request.url)} was sent from Postman (User-Agent PostmanRuntime)` });
    }
    if (tokenEndpoint) readTokenRequest(exchange, add);
    else {
      if (SSO_CALLBACK.test(pathOf(request.url)) && /[?&](code|jwt|assertion|token)=/.test(request.url)) {
        add({ id: 'sso.callback', source: 'request', detail: `${request.method} ${pathOf(request.url)} is a sign-in callback carrying a one-time code` });
      }
      const credentials = readCredentials(request, redactor, { entry, sanitized: options.sanitized ?? false });
      for (const fact of credentials.facts) add(fact);
      for (const credential of credentials.credentials) {
        for (const raw of credential.location === 'cookie' ? findJwts(credential.value) : [credential.value]) {
          if (!/^eyJ/.test(raw) && !(credential.scheme && /^bearer$/i.test(credential.scheme) && raw.includes('.'))) continue;
          const { time, label } = reference();
          inspect(raw, { location: credential.location, referenceTime: time, referenceLabel: label, ...(host ? { requestHost: host } : {}), entry, redactor }, set);
        }
      }
      readRequestShape(exchange, add);
    }
  }
}

/** A response header named for an error code or type: `x-amzn-ErrorType`, `x-amz-error-code`, `x-ms-error-code`, `x-error-code`. */
const ERROR_CODE_HEADER = /^x-(?:[a-z0-9]{1,20}-){0,2}error-?(?:code|type)$/i;

function readResponseHeaders(exchange: Exchange, set: FactSet, add: (fact: Fact) => void, redactor: Redactor): void {
  const headers = exchange.response?.headers ?? [];
  for (const header of headers.filter((candidate) => /^www-authenticate$/i.test(candidate.name))) {
    readChallenges(header.value, set, add, redactor, exchange.index);
  }
  // Vendors' error-code headers (`x-amzn-ErrorType`, `x-ms-error-code`, `x-error-code`) carry the same codes a body would.
  for (const header of headers) {
    if (!ERROR_CODE_HEADER.test(header.name)) continue;
    const code = /^[A-Za-z][A-Za-z0-9_.-]{2,63}/.exec(header.value.trim())?.[0];
    if (code) {
      set.errorCodes.push({ code: code.toLowerCase(), where: `the ${header.name} header`, entry: exchange.index });
      set.texts.push(code);
    }
  }
  const remaining = ['x-ratelimit-remaining', 'ratelimit-remaining', 'x-rate-limit-remaining'].map((name) => headerValue(headers, name)).find((value) => value !== undefined);
  readRateLimit(remaining, headerValue(headers, 'retry-after'), add);
  for (const header of headers.filter((candidate) => /^set-cookie$/i.test(candidate.name))) {
    if (/samesite\s*=\s*none/i.test(header.value) && !/;\s*secure/i.test(header.value)) {
      add({ id: 'cookie.samesite-none-insecure', source: 'header', detail: `a cookie is set with SameSite=None but without Secure, so browsers drop it` });
    }
  }
  const date = headerValue(headers, 'date');
  if (date && exchange.startedAt) {
    const serverTime = Date.parse(date);
    const skew = serverTime - exchange.startedAt.getTime();
    if (Number.isFinite(serverTime) && Math.abs(skew) > CLOCK_SKEW_MS) {
      add({ id: 'clock.date-skew', source: 'header', detail: `the server's Date header is ${Math.round(Math.abs(skew) / 60_000)} min ${skew > 0 ? 'ahead of' : 'behind'} the client's clock` });
    }
  }
}

function readChallenges(value: string, set: FactSet, add: (fact: Fact) => void, redactor: Redactor, entry?: number): void {
  for (const challenge of parseWwwAuthenticate(value)) {
    const shown = redactor.text(describeChallenge(challenge), 'evidence');
    add({ id: `www-authenticate.scheme=${challenge.scheme}`, source: 'www-authenticate', detail: `WWW-Authenticate: ${shown}` });
    const error = challenge.params.error;
    if (error) set.errorCodes.push({ code: error.toLowerCase(), where: `WWW-Authenticate ${shown}`, ...(entry !== undefined ? { entry } : {}) });
    else if (challenge.scheme === 'bearer') {
      add({ id: 'www-authenticate.no-error', source: 'www-authenticate', detail: `WWW-Authenticate: ${shown} names no error: the server saw no credential` });
    }
    if (challenge.params.error_description) set.texts.push(challenge.params.error_description);
    if (challenge.params.scope) add({ id: 'www-authenticate.scope', source: 'www-authenticate', detail: `the endpoint asks for scope "${challenge.params.scope}"` });
  }
}

function readRateLimit(remaining: string | undefined, retryAfter: string | undefined, add: (fact: Fact) => void): void {
  if (remaining !== undefined && Number(remaining) === 0) add({ id: 'ratelimit.exhausted', source: 'header', detail: 'rate-limit headers say 0 requests remain' });
  else if (retryAfter !== undefined) add({ id: 'ratelimit.exhausted', source: 'header', detail: `Retry-After: ${retryAfter.slice(0, 40)} tells the client to wait` });
}

function readBody(body: string, set: FactSet, add: (fact: Fact) => void, entry: number): void {
  const reading = readErrorBody(body);
  for (const code of reading.codes) {
    set.errorCodes.push({ code: code.toLowerCase(), where: 'response body', entry });
    set.texts.push(code);
  }
  set.texts.push(...reading.messages);
  for (const message of reading.messages) readErrorCodesInText(message.slice(0, MAX_BODY_SCAN), set, 'response body', entry);
  if (reading.inactive) add({ id: 'token.inactive', source: 'body', detail: 'the response says the token is not active ("active": false)' });
  if (reading.status !== undefined && !set.statuses.some((status) => status.entry === entry)) {
    set.statuses.push({ status: reading.status, entry, inferred: true });
  }
}

function readTokenRequest(exchange: Exchange, add: (fact: Fact) => void): void {
  const request = exchange.request!;
  add({ id: 'oauth.token-endpoint', source: 'request', detail: `${request.method} ${pathOf(request.url)} is a token or auth-code request, where the client authenticates` });
  const body = request.body ?? '';
  const grant = /grant_type["']?\s*[=:]\s*["']?([a-z_:.-]+)/i.exec(body)?.[1] ?? /[?&]grant_type=([a-z_:.-]+)/i.exec(request.url)?.[1];
  if (grant) add({ id: `oauth.grant=${grant.toLowerCase()}`, source: 'request', detail: `token request with grant_type=${grant}` });
  const trimmed = body.trim();
  if ((trimmed.startsWith('{') && /"client_secret"/.test(trimmed)) || /[?&]client_secret=/.test(request.url)) {
    add({ id: 'oauth.client-secret-in-body', source: 'request', detail: 'client_secret is sent in a JSON body or the query string' });
  }
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization || !/^\s*basic\s/i.test(authorization)) {
    add({ id: 'oauth.basic-auth-missing', source: 'request', detail: `the token request has no "Authorization: Basic" header${authorization ? ` (it sends ${authorization.split(/\s/)[0]} instead)` : ''}` });
  }
}

function readRequestShape(exchange: Exchange, add: (fact: Fact) => void): void {
  const request = exchange.request!;
  const headers = request.headers;
  if (headers.some((header) => SIGNATURE_HEADER.test(header.name)) || /^\s*aws4-hmac-sha256/i.test(headerValue(headers, 'authorization') ?? '')) {
    add({ id: 'signature.present', source: 'request', detail: 'the request carries a signature or signing timestamp header' });
  }
  const stateChanging = /^(POST|PUT|PATCH|DELETE)$/.test(request.method);
  const usesCookie = Boolean(headerValue(headers, 'cookie'));
  if (stateChanging && usesCookie && !headers.some((header) => CSRF_HEADER.test(header.name)) && !/csrf|xsrf|authenticity_token/i.test(request.body ?? '')) {
    add({ id: 'csrf.token-missing', source: 'request', detail: `${request.method} ${pathOf(request.url)} relies on a cookie and sends no CSRF token` });
  }
}

/**
 * Headers and URLs quoted inside free text ("we get 401 with `WWW-Authenticate: Bearer
 * realm="api"`", "responses include Retry-After: 30", "it calls /orders?access_token=…") are
 * read as if they had been pasted on their own.
 */
/** Rate-limit headers quoted in text: `Retry-After: 30`, `x-ratelimit-remaining=0`. */
const QUOTED_RATE_HEADER = /\b(x-ratelimit-remaining|ratelimit-remaining|retry-after)[ \t]{0,8}[:=][ \t]{0,8}([\w.-]{1,40})/gi;

/** A challenge quoted without `WWW-Authenticate:` before it: a scheme and its realm. */
const BARE_CHALLENGE = /(?<!WWW-Authenticate\s{0,4}:\s{0,4})\b(?:Bearer|Basic|Digest|Negotiate) realm="[^"\n]{1,200}"/gi;

/** `Authorization: …` and its look-alikes, quoted with a colon: the name and the value's first one or two words. */
const QUOTED_CREDENTIAL_HEADER = /(?<![\w-])(Authorization|Authentication|Authorisation|X-Authorization)["']?[ \t]{0,4}:[ \t]{0,4}["'`]?([^\s"'`]{1,300}(?:[ \t][^\s"'`]{1,300})?)/g;

/** "Bearer abc)," → "Bearer abc": the punctuation that closes the sentence or the code around a quoted value. */
function withoutTrailingPunctuation(value: string): string {
  let end = value.length;
  while (end > 0 && ',;)}]'.includes(value[end - 1]!)) end -= 1;
  return value.slice(0, end);
}

function readQuotedHttp(text: string, set: FactSet, redactor: Redactor): void {
  const add = (fact: Fact): void => {
    set.facts.push(fact);
  };
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(/WWW-Authenticate\s*:\s*([^\n`]{1,500})/gi)) readChallenges(match[1]!, set, add, redactor);
  // Clients print the server's challenge without the header's name (npm's "Unable to
  // authenticate, need: Bearer realm=…"); it says the same as the header would.
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(BARE_CHALLENGE)) readChallenges(match[0], set, add, redactor);
  // A request header quoted in a report or in pasted code ("Authorization: JWT eyJ…",
  // `Authentication: Bearer …`) is judged by its scheme and its name, as the header itself
  // would be; not by its spacing or shape, since prose runs on after the value.
  const headers = [...text.slice(0, MAX_BODY_SCAN).matchAll(QUOTED_CREDENTIAL_HEADER)].slice(0, 5).map((match) => ({ name: match[1]!, value: withoutTrailingPunctuation(match[2]!) }));
  if (headers.length > 0) {
    for (const fact of readCredentials({ method: 'GET', url: '', headers }, redactor).facts) {
      if (fact.id === 'auth.scheme-missing' || fact.id === 'auth.header-misnamed') add({ ...fact, source: 'text', detail: `quoted in the report: ${fact.detail}` });
    }
  }
  const quoted = new Map<string, string>();
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(QUOTED_RATE_HEADER)) {
    const name = match[1]!.toLowerCase();
    if (!quoted.has(name)) quoted.set(name, match[2]!);
    if (name === 'x-ratelimit-remaining' && !quoted.has('ratelimit-remaining')) quoted.set('ratelimit-remaining', match[2]!);
  }
  readRateLimit(quoted.get('x-ratelimit-remaining') ?? quoted.get('ratelimit-remaining'), quoted.get('retry-after'), add);
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(/[?&](access_token|id_token|token)=[^&\s]+/gi)) {
    add({ id: 'auth.token-in-query', source: 'text', detail: `the token travels in the query string (${match[1]}=…), where many APIs do not read it` });
    break;
  }
}

function readText(text: string, set: FactSet, options: ExtractOptions): void {
  const redactor = options.redactor!;
  set.texts.push(text);
  readQuotedHttp(text, set, redactor);
  for (const status of readStatusesInText(text)) set.statuses.push({ status, inferred: true });
  readErrorCodesInText(text, set, 'the text');
  const network = NETWORK_ERROR.exec(text.slice(0, MAX_BODY_SCAN));
  if (network) set.facts.push({ id: 'network.error', source: 'text', detail: `the report shows a network or TLS failure (${network[0]}): the request never reached the API's authentication` });
  if (isHowToQuestion(text)) set.facts.push({ id: 'text.how-to', source: 'text', detail: 'the text asks how to do something rather than reporting a failure' });
  for (const raw of findJwts(text).slice(0, MAX_TEXT_JWTS)) {
    inspect(raw, { location: 'token in the text', referenceTime: options.clock(), referenceLabel: 'now (the text carries no request time)', redactor }, set);
  }
}

const HOW_TO = /^\s*(?:how (?:do|can|should|would) (?:i|we|you|one)|how to|where (?:do|can) (?:i|we)|is (?:it|there a way) (?:possible )?to|can (?:i|we) (?:change|set|add|configure|make|turn|enable|disable|export|invite))\b/i;
const FAILURE = /\b(?:error|errors|fail\w*|denied|reject\w*|invalid|expired|unauthori[sz]ed|forbidden|blocked|broken|doesn'?t work|not working|stopped|can'?t|cannot|won'?t|401|403|429)\b/i;

/** "How do I change the session timeout?" is a question for the docs, not a failure to diagnose. */
function isHowToQuestion(text: string): boolean {
  return HOW_TO.test(text) && !FAILURE.test(text.slice(0, 2000));
}

function readErrorCodesInText(text: string, set: FactSet, where: string, entry?: number): void {
  for (const match of text.matchAll(OAUTH_ERROR_CODES)) {
    const code = match[1]!.toLowerCase();
    if (!set.errorCodes.some((found) => found.code === code && found.entry === entry)) set.errorCodes.push({ code, where, ...(entry !== undefined ? { entry } : {}) });
  }
}

function inspect(raw: string, context: TokenContext, set: FactSet): void {
  const { token, facts } = inspectToken(raw, context);
  set.tokens.push(token);
  set.facts.push(...facts);
}

function referenceTimeOf(exchange: Exchange, clock: () => Date): { time: Date; label: string } {
  if (exchange.startedAt) return { time: exchange.startedAt, label: 'the request' };
  const date = Date.parse(headerValue(exchange.response?.headers, 'date') ?? '');
  if (Number.isFinite(date)) return { time: new Date(date), label: "the response's Date" };
  return { time: clock(), label: 'now (the input carries no request time)' };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

