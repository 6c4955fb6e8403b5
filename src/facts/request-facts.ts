import type { Redactor } from '../redact/redactor.ts';
import { pathOf, readCredentials } from './credentials.ts';
import { findJwts } from './jwt.ts';
import { addToken } from './token-facts.ts';
import { isTokenRequest, readTokenRequest } from './token-request.ts';
import { type Exchange, type Fact, type FactSet, headerValue } from './types.ts';

const SSO_CALLBACK = /(callback|sso|jwt|login|signin|auth)/i;
const SIGNATURE_HEADER =
  /^(x-signature|x-hub-signature(-256)?|x-.*-signature|signature|x-amz-signature|x-amz-date|x-timestamp|x-signature-timestamp|digest)$/i;
const CSRF_HEADER = /^(x-csrf-token|x-xsrf-token|x-csrftoken|csrf-token|x-requested-with)$/i;

export interface RequestReading {
  redactor: Redactor;
  sanitized: boolean;
  /** The time tokens are judged against, asked for only when a token is found. */
  reference: () => { time: Date; label: string };
}

/**
 * What a request says: the client that sent it, and either the token request it is or the
 * credentials it presents (with their tokens), a sign-in callback, a signature, a missing CSRF token.
 */
export function readRequest(
  exchange: Exchange,
  set: FactSet,
  add: (fact: Fact) => void,
  reading: RequestReading,
): void {
  const request = exchange.request!;
  const entry = exchange.index;
  const host = hostOf(request.url);
  if (/PostmanRuntime\//.test(headerValue(request.headers, 'user-agent') ?? '')) {
    add({
      id: 'client.postman',
      source: 'request',
      detail: `${request.method} ${pathOf(request.url)} was sent from Postman (User-Agent PostmanRuntime)`,
    });
  }
  if (isTokenRequest(request)) {
    readTokenRequest(exchange, add);
    return;
  }
  if (SSO_CALLBACK.test(pathOf(request.url)) && /[?&](code|jwt|assertion|token)=/.test(request.url)) {
    add({
      id: 'sso.callback',
      source: 'request',
      detail: `${request.method} ${pathOf(request.url)} is a sign-in callback carrying a one-time code`,
    });
  }
  const credentials = readCredentials(request, reading.redactor, { entry, sanitized: reading.sanitized });
  for (const fact of credentials.facts) add(fact);
  for (const credential of credentials.credentials) {
    for (const raw of credential.location === 'cookie' ? findJwts(credential.value) : [credential.value]) {
      if (!/^eyJ/.test(raw) && !(credential.scheme && /^bearer$/i.test(credential.scheme) && raw.includes('.')))
        continue;
      const { time, label } = reading.reference();
      addToken(
        raw,
        {
          location: credential.location,
          referenceTime: time,
          referenceLabel: label,
          ...(host ? { requestHost: host } : {}),
          entry,
          redactor: reading.redactor,
        },
        set,
      );
    }
  }
  readRequestShape(exchange, add);
}

function readRequestShape(exchange: Exchange, add: (fact: Fact) => void): void {
  const request = exchange.request!;
  const headers = request.headers;
  if (
    headers.some((header) => SIGNATURE_HEADER.test(header.name)) ||
    /^\s*aws4-hmac-sha256/i.test(headerValue(headers, 'authorization') ?? '')
  ) {
    add({
      id: 'signature.present',
      source: 'request',
      detail: 'the request carries a signature or signing timestamp header',
    });
  }
  const stateChanging = /^(POST|PUT|PATCH|DELETE)$/.test(request.method);
  const usesCookie = Boolean(headerValue(headers, 'cookie'));
  if (
    stateChanging &&
    usesCookie &&
    !headers.some((header) => CSRF_HEADER.test(header.name)) &&
    !/csrf|xsrf|authenticity_token/i.test(request.body ?? '')
  ) {
    add({
      id: 'csrf.token-missing',
      source: 'request',
      detail: `${request.method} ${pathOf(request.url)} relies on a cookie and sends no CSRF token`,
    });
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
