import { Redactor } from '../redact/redactor.ts';
import { isFailing, oauthErrorInUrls } from './failing-exchange.ts';
import { findJwts } from './jwt.ts';
import { readQuotedHttp } from './quoted-http.ts';
import { readRequest } from './request-facts.ts';
import { readResponseBody } from './response-body-facts.ts';
import { readResponseHeaders } from './response-header-facts.ts';
import { MAX_BODY_SCAN, MAX_TEXT_JWTS } from './scan-limits.ts';
import { findNetworkError, readResponseStatus } from './status-facts.ts';
import { isHowToQuestion, readErrorCodesInText, readStatusesInText } from './text-signals.ts';
import { addToken, referenceTimeOf } from './token-facts.ts';
import { type Exchange, emptyFactSet, type Fact, type FactSet, type Observation } from './types.ts';

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

function readExchange(exchange: Exchange, set: FactSet, options: ExtractOptions): void {
  const entry = exchange.index;
  const redactor = options.redactor!;
  const at: { entry?: number } = { entry };
  const add = (fact: Fact): void => {
    set.facts.push({ ...fact, ...at });
  };
  const response = exchange.response;
  if (response) {
    readResponseStatus(response, set, add, entry);
    readResponseHeaders(exchange, set, add, redactor);
    if (response.body) readResponseBody(response.body, set, add, entry);
  }
  const oauthError = oauthErrorInUrls(exchange);
  if (oauthError) {
    set.errorCodes.push({ code: oauthError.code.toLowerCase(), where: 'a redirect URL', entry });
    set.texts.push(oauthError.code, ...(oauthError.description ? [oauthError.description] : []));
  }
  const reference = (): { time: Date; label: string } => referenceTimeOf(exchange, options.clock);
  for (const raw of findJwts(response?.body?.slice(0, MAX_BODY_SCAN) ?? '').slice(0, MAX_TEXT_JWTS)) {
    const { time, label } = reference();
    addToken(
      raw,
      { location: 'token in the response body', referenceTime: time, referenceLabel: label, entry, redactor },
      set,
    );
  }
  if (exchange.request) readRequest(exchange, set, add, { redactor, sanitized: options.sanitized ?? false, reference });
}

function readText(text: string, set: FactSet, options: ExtractOptions): void {
  const redactor = options.redactor!;
  set.texts.push(text);
  readQuotedHttp(text, set, redactor);
  for (const status of readStatusesInText(text)) set.statuses.push({ status, inferred: true });
  readErrorCodesInText(text, set, 'the text');
  const network = findNetworkError(text);
  if (network !== undefined)
    set.facts.push({
      id: 'network.error',
      source: 'text',
      detail: `the report shows a network or TLS failure (${network}): the request never reached the API's authentication`,
    });
  if (isHowToQuestion(text))
    set.facts.push({
      id: 'text.how-to',
      source: 'text',
      detail: 'the text asks how to do something rather than reporting a failure',
    });
  for (const raw of findJwts(text).slice(0, MAX_TEXT_JWTS)) {
    addToken(
      raw,
      {
        location: 'token in the text',
        referenceTime: options.clock(),
        referenceLabel: 'now (the text carries no request time)',
        redactor,
      },
      set,
    );
  }
}
