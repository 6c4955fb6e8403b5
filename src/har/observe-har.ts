import { isFailureStatus, isIntrospection } from '../facts/failing-exchange.ts';
import { asksForGrant } from '../facts/token-request.ts';
import type { Exchange, Observation } from '../facts/types.ts';
import { encodeComponent } from '../text/well-formed.ts';
import { type Har, type HarEntry, responseText } from './read-har.ts';

/**
 * Failing as far as an entry shows before any body is decoded: the failing rule's status test,
 * or the exporter's own network error. The rest of the rule needs the exchange (`isFailing`).
 */
function isFailingEntry(entry: HarEntry): boolean {
  return isFailureStatus(entry.response.status) || Boolean(entry.error);
}

/**
 * Whether diagnosis reads this entry's response body: a failing exchange's, and a token
 * introspection's, whose 200 may say `"active": false`.
 */
export function bodyMatters(entry: HarEntry): boolean {
  return isFailingEntry(entry) || isIntrospection(entry.request.url);
}

/** A request body diagnosis reads even when the exchange succeeded: one that asks a token endpoint for a grant. */
function isTokenRequestBody(body: string | undefined): boolean {
  return body !== undefined && asksForGrant(body);
}

/**
 * A capture as an observation: every entry becomes an exchange with its own time. Bodies are
 * decoded only where they can matter (failing responses, token requests): a 100 MB capture is
 * mostly scripts and images nobody needs to read.
 */
export function observeHar(har: Har, text = ''): Observation {
  const exchanges = har.entries.map((entry): Exchange => {
    const failing = isFailingEntry(entry);
    const requestBody = entry.request.postData?.text ?? formBody(entry);
    const wantsRequestBody = failing || isTokenRequestBody(requestBody);
    const body = bodyMatters(entry) ? responseText(entry) : undefined;
    return {
      index: entry.index,
      ...(entry.startedAt ? { startedAt: entry.startedAt } : {}),
      request: {
        method: entry.request.method,
        url: entry.request.url,
        headers: entry.request.headers,
        ...(wantsRequestBody && requestBody !== undefined ? { body: requestBody } : {}),
      },
      response: {
        status: entry.response.status,
        statusText: entry.response.statusText || entry.error || '',
        headers: entry.response.headers,
        ...(body !== undefined || entry.error ? { body: [body, entry.error].filter(Boolean).join('\n') } : {}),
      },
      ...(redirectTarget(entry) ? { redirectTo: redirectTarget(entry) } : {}),
    };
  });
  return { kind: 'har', text, exchanges, capture: { creator: har.creator, sanitized: !har.credentialsSeen } };
}

/**
 * The entry without the bodies `observeHar` will not read (a successful response's content, a
 * request body that is not a token request): what a capture read entry by entry keeps.
 */
export function withoutUnreadBodies(entry: HarEntry): HarEntry {
  if (bodyMatters(entry)) return entry;
  const keepRequestBody = isTokenRequestBody(entry.request.postData?.text ?? formBody(entry));
  const { postData, ...request } = entry.request;
  const { text, ...content } = entry.response.content;
  return {
    ...entry,
    request: keepRequestBody && postData ? { ...request, postData } : request,
    response: { ...entry.response, content },
  };
}

function formBody(entry: HarEntry): string | undefined {
  const params = entry.request.postData?.params;
  if (!params || params.length === 0) return undefined;
  return params.map((param) => `${encodeComponent(param.name)}=${encodeComponent(param.value ?? '')}`).join('&');
}

/** Where a redirect points: `redirectURL`, or the Location header that some exporters leave it out of. */
function redirectTarget(entry: HarEntry): string | undefined {
  if (entry.response.redirectURL) return entry.response.redirectURL;
  const status = entry.response.status;
  if (status < 300 || status >= 400) return undefined;
  return entry.response.headers.find((header) => /^location$/i.test(header.name))?.value || undefined;
}
