import { InputError } from '../errors.ts';
import { parseHttpText } from '../facts/http-message.ts';
import type { Header, Observation } from '../facts/types.ts';
import { observeHar } from '../har/observe-har.ts';
import { type Har, type HarLimits, looksLikeHar, readHar } from '../har/read-har.ts';

/** A pasted or submitted error response, as the API accepts it. */
export interface ErrorInput {
  status?: number | undefined;
  headers?: Record<string, string | string[]> | Header[] | undefined;
  body?: unknown;
}

export interface DiagnoseInput {
  text?: string | undefined;
  error?: ErrorInput | undefined;
  /** A capture as parsed JSON, validated here. */
  har?: unknown;
  /** A capture already read and validated (see `scanHar`), in place of `har`. */
  capture?: Har | undefined;
}

/**
 * Reduce whatever the person gave to one observation: their words plus any HTTP exchanges.
 * A paste is recognised by its shape: a raw HTTP message or `curl -v` output becomes an
 * exchange, a JSON error body becomes a response, anything else stays free text.
 */
export function observeInput(input: DiagnoseInput, limits?: HarLimits): Observation {
  const text = input.text?.trim() ?? '';
  if (input.capture) return observeHar(input.capture, text);
  if (input.har !== undefined) return observeHar(readHar(input.har, limits), text);
  if (input.error) {
    return { kind: 'error', text, exchanges: [{ index: 0, response: responseOf(input.error) }] };
  }
  if (!text)
    throw new InputError('empty-input', 'give a symptom in "text", an error response in "error", or paste something');
  const http = parseHttpText(text);
  if (http) return { kind: 'http', text: http.commentary, exchanges: [http.exchange] };
  if (/^[{[]/.test(text)) {
    const parsed = tryJson(text);
    if (looksLikeHar(parsed)) return observeHar(readHar(parsed, limits));
    if (parsed !== undefined)
      return { kind: 'error', text: '', exchanges: [{ index: 0, response: { headers: [], body: text } }] };
  }
  return { kind: 'text', text, exchanges: [] };
}

function responseOf(error: ErrorInput): { status?: number; headers: Header[]; body?: string } {
  const headers = headerList(error.headers);
  const body =
    typeof error.body === 'string'
      ? error.body
      : error.body === undefined || error.body === null
        ? undefined
        : JSON.stringify(error.body);
  return {
    ...(error.status !== undefined ? { status: error.status } : {}),
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

function headerList(headers: ErrorInput['headers']): Header[] {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers;
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item) => ({ name, value: String(item) })),
  );
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
