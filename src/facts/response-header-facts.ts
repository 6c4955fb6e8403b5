import type { Redactor } from '../redact/redactor.ts';
import { type Exchange, type Fact, type FactSet, headerValue } from './types.ts';
import { describeChallenge, parseWwwAuthenticate } from './www-authenticate.ts';

/** A response header named for an error code or type: `x-amzn-ErrorType`, `x-amz-error-code`, `x-ms-error-code`, `x-error-code`. */
const ERROR_CODE_HEADER = /^x-(?:[a-z0-9]{1,20}-){0,2}error-?(?:code|type)$/i;
const CLOCK_SKEW_MS = 2 * 60_000;

/** A response's headers: its challenges, vendors' error codes, rate limits, cookies and the server's clock. */
export function readResponseHeaders(
  exchange: Exchange,
  set: FactSet,
  add: (fact: Fact) => void,
  redactor: Redactor,
): void {
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
  const remaining = ['x-ratelimit-remaining', 'ratelimit-remaining', 'x-rate-limit-remaining']
    .map((name) => headerValue(headers, name))
    .find((value) => value !== undefined);
  readRateLimit(remaining, headerValue(headers, 'retry-after'), add);
  for (const header of headers.filter((candidate) => /^set-cookie$/i.test(candidate.name))) {
    if (/samesite\s*=\s*none/i.test(header.value) && !/;\s*secure/i.test(header.value)) {
      add({
        id: 'cookie.samesite-none-insecure',
        source: 'header',
        detail: `a cookie is set with SameSite=None but without Secure, so browsers drop it`,
      });
    }
  }
  const date = headerValue(headers, 'date');
  if (date && exchange.startedAt) {
    const serverTime = Date.parse(date);
    const skew = serverTime - exchange.startedAt.getTime();
    if (Number.isFinite(serverTime) && Math.abs(skew) > CLOCK_SKEW_MS) {
      add({
        id: 'clock.date-skew',
        source: 'header',
        detail: `the server's Date header is ${Math.round(Math.abs(skew) / 60_000)} min ${skew > 0 ? 'ahead of' : 'behind'} the client's clock`,
      });
    }
  }
}

/** A `WWW-Authenticate` value, from a response or quoted in a report: its schemes, error, description and scope. */
export function readChallenges(
  value: string,
  set: FactSet,
  add: (fact: Fact) => void,
  redactor: Redactor,
  entry?: number,
): void {
  for (const challenge of parseWwwAuthenticate(value)) {
    const shown = redactor.text(describeChallenge(challenge), 'evidence');
    add({
      id: `www-authenticate.scheme=${challenge.scheme}`,
      source: 'www-authenticate',
      detail: `WWW-Authenticate: ${shown}`,
    });
    const error = challenge.params.error;
    if (error)
      set.errorCodes.push({
        code: error.toLowerCase(),
        where: `WWW-Authenticate ${shown}`,
        ...(entry !== undefined ? { entry } : {}),
      });
    else if (challenge.scheme === 'bearer') {
      add({
        id: 'www-authenticate.no-error',
        source: 'www-authenticate',
        detail: `WWW-Authenticate: ${shown} names no error: the server saw no credential`,
      });
    }
    if (challenge.params.error_description) set.texts.push(challenge.params.error_description);
    if (challenge.params.scope)
      add({
        id: 'www-authenticate.scope',
        source: 'www-authenticate',
        detail: `the endpoint asks for scope "${challenge.params.scope}"`,
      });
  }
}

/** Rate-limit headers, sent or quoted: none remaining, or a Retry-After to wait for. */
export function readRateLimit(
  remaining: string | undefined,
  retryAfter: string | undefined,
  add: (fact: Fact) => void,
): void {
  if (remaining !== undefined && Number(remaining) === 0)
    add({ id: 'ratelimit.exhausted', source: 'header', detail: 'rate-limit headers say 0 requests remain' });
  else if (retryAfter !== undefined)
    add({
      id: 'ratelimit.exhausted',
      source: 'header',
      detail: `Retry-After: ${retryAfter.slice(0, 40)} tells the client to wait`,
    });
}
