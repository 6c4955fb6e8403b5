import { InputError } from '../errors.ts';
import type { Header } from '../facts/types.ts';
import { isRecord } from '../is-record.ts';

/**
 * HAR 1.2 as fixpath reads it: the fields it uses, typed, with defaults for the optional ones
 * that browsers and tools leave out. Everything else in the file is kept untouched on the raw
 * tree (the sanitizer walks that), but never trusted.
 */
export interface HarEntry {
  index: number;
  startedDateTime: string;
  startedAt: Date | undefined;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    headers: Header[];
    postData?: { mimeType: string; text?: string; params?: Array<{ name: string; value?: string }> };
  };
  response: {
    status: number;
    statusText: string;
    headers: Header[];
    content: { mimeType: string; text?: string; encoding?: string; size?: number };
    redirectURL: string;
  };
  /** Chrome's `_error` (`net::ERR_FAILED`) or Firefox's and Safari's equivalents. */
  error?: string;
}

export interface Har {
  creator: string;
  entries: HarEntry[];
  /** Whether any request or response in the capture carries a credential header or cookie. */
  credentialsSeen: boolean;
}

export interface HarLimits {
  /** Most entries read from one capture. */
  maxEntries: number;
}

export const DEFAULT_HAR_LIMITS: HarLimits = { maxEntries: 100_000 };

const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|access_token|client_id)$/i;

/** The capture is not a HAR, or not one fixpath can read: the detail names the entry and field. */
function invalid(where: string, problem: string): InputError {
  return new InputError('invalid-input', `this is not a HAR capture fixpath can read: ${where} ${problem}`);
}

/** Whether a parsed JSON value has the shape of a HAR (`log.entries` list). */
export function looksLikeHar(value: unknown): boolean {
  return isRecord(value) && isRecord(value.log) && Array.isArray(value.log.entries);
}

function headerList(value: unknown, where: string): Header[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(where, 'must be a list of {name, value}');
  const headers: Header[] = [];
  value.forEach((item, index) => {
    if (!isRecord(item) || typeof item.name !== 'string')
      throw invalid(`${where}[${index}]`, 'must have a "name" string');
    // HTTP/2 captures carry pseudo-headers (`:authority`); names compare case-insensitively.
    const value = item.value;
    if (
      value !== undefined &&
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    )
      throw invalid(`${where}[${index}].value`, 'must be a string');
    headers.push({
      name: item.name,
      value: typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value),
    });
  });
  return headers;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(where, 'must be a string');
  return value;
}

/**
 * Validate a parsed HAR into typed entries in one step. The error detail names the first entry
 * and field that is wrong (`log.entries[3].request.url must be a string`).
 */
export function readHar(value: unknown, limits: HarLimits = DEFAULT_HAR_LIMITS): Har {
  if (!isRecord(value)) throw invalid('the top level', 'must be a JSON object with a "log" field');
  const log = value.log;
  if (!isRecord(log)) throw invalid('"log"', 'is missing or not an object');
  if (!Array.isArray(log.entries)) throw invalid('"log.entries"', 'is missing or not a list');
  if (log.entries.length > limits.maxEntries) throw tooManyEntries(log.entries.length, limits);
  const entries: HarEntry[] = [];
  let credentialsSeen = false;
  log.entries.forEach((raw, index) => {
    const entry = readEntry(raw, index);
    credentialsSeen ||= carriesCredentials(entry, raw);
    entries.push(entry);
  });
  return { creator: creatorOf(log.creator), entries, credentialsSeen };
}

/** The name of the tool that exported the capture (`log.creator.name`). */
export function creatorOf(creator: unknown): string {
  return isRecord(creator) && typeof creator.name === 'string' ? creator.name : 'unknown';
}

export function tooManyEntries(count: number, limits: HarLimits): InputError {
  return new InputError(
    'invalid-input',
    `the capture has ${count} entries, more than the ${limits.maxEntries} allowed (MAX_HAR_ENTRIES); export only the failing part of the session`,
  );
}

/** Whether an entry carries a credential header or cookie, which a sanitized export never does. */
export function carriesCredentials(entry: HarEntry, raw: unknown): boolean {
  const cookies = isRecord(raw) && isRecord(raw.request) ? raw.request.cookies : undefined;
  return (
    entry.request.headers.some((header) => CREDENTIAL_HEADER.test(header.name)) ||
    entry.response.headers.some((header) => /^set-cookie$/i.test(header.name)) ||
    (Array.isArray(cookies) && cookies.length > 0)
  );
}

/** One entry of `log.entries`, validated into a typed value; the error names the entry and field. */
export function readEntry(raw: unknown, index: number): HarEntry {
  const where = `log.entries[${index}]`;
  if (!isRecord(raw)) throw invalid(where, 'must be an object');
  const request = raw.request;
  const response = raw.response;
  if (!isRecord(request)) throw invalid(`${where}.request`, 'is missing or not an object');
  if (typeof request.url !== 'string') throw invalid(`${where}.request.url`, 'must be a string');
  if (request.method !== undefined && typeof request.method !== 'string')
    throw invalid(`${where}.request.method`, 'must be a string');
  if (response !== undefined && response !== null && !isRecord(response))
    throw invalid(`${where}.response`, 'must be an object');
  const rawResponse = (response ?? {}) as Record<string, unknown>;
  const recorded =
    rawResponse.status === undefined || rawResponse.status === null ? 0 : wholeNumber(rawResponse.status);
  // Chromium and Playwright record a request that got no response as -1 (with `_failureText`); fixpath calls that 0.
  if (!Number.isInteger(recorded) || recorded < -1 || recorded > 999)
    throw invalid(`${where}.response.status`, 'must be a whole number (0 or -1 when there was no response)');
  const content = isRecord(rawResponse.content) ? rawResponse.content : {};
  // A debugging proxy that could not reach the server answers the browser itself (Fiddler's
  // 502 "[Fiddler] The connection to … failed"): no response came from the API.
  const proxyFailure = recorded === 502 || recorded === 504 ? capturingProxyFailure(content.text) : undefined;
  const status = proxyFailure ? 0 : Math.max(0, recorded);
  const postData = isRecord(request.postData) ? request.postData : undefined;
  const started = optionalString(raw.startedDateTime, `${where}.startedDateTime`) ?? '';
  const startedMs = Date.parse(started);
  // Why a request failed, as each exporter names it: Chromium's `_error`, Playwright's and WebKit's `_failureText`.
  const errorText =
    optionalString(raw._error, `${where}._error`) ??
    optionalString((raw as { _errorText?: unknown })._errorText, `${where}._errorText`) ??
    optionalString((raw as { _failureText?: unknown })._failureText, `${where}._failureText`) ??
    optionalString(rawResponse._failureText, `${where}.response._failureText`) ??
    optionalString(rawResponse._error, `${where}.response._error`) ??
    proxyFailure;
  const requestHeaders = headerList(request.headers, `${where}.request.headers`);
  const responseHeaders = headerList(rawResponse.headers, `${where}.response.headers`);
  return {
    index,
    startedDateTime: started,
    startedAt: Number.isFinite(startedMs) ? new Date(startedMs) : undefined,
    request: {
      method: (typeof request.method === 'string' ? request.method : 'GET').toUpperCase(),
      url: request.url,
      httpVersion: typeof request.httpVersion === 'string' ? request.httpVersion : '',
      headers: requestHeaders,
      ...(postData
        ? {
            postData: {
              mimeType: typeof postData.mimeType === 'string' ? postData.mimeType : '',
              ...(typeof postData.text === 'string' ? { text: postData.text } : {}),
              ...(Array.isArray(postData.params)
                ? {
                    params: postData.params.filter(isRecord).map((param) => ({
                      name: typeof param.name === 'string' ? param.name : '',
                      ...(typeof param.value === 'string' ? { value: param.value } : {}),
                    })),
                  }
                : {}),
            },
          }
        : {}),
    },
    response: {
      status,
      statusText: typeof rawResponse.statusText === 'string' ? rawResponse.statusText : '',
      headers: responseHeaders,
      content: {
        mimeType: typeof content.mimeType === 'string' ? content.mimeType : '',
        ...(typeof content.text === 'string' ? { text: content.text } : {}),
        ...(typeof content.encoding === 'string' ? { encoding: content.encoding } : {}),
      },
      redirectURL: typeof rawResponse.redirectURL === 'string' ? rawResponse.redirectURL : '',
    },
    ...(errorText ? { error: errorText } : {}),
  };
}

/** Fiddler's own error page for a request it could not forward, as its first 400 characters without markup. */
const CAPTURING_PROXY_FAILURE =
  /^\s*\[Fiddler\] (?:The connection to|ReadResponse\(\) failed|DNS Lookup for|The socket connection to|Failed to negotiate HTTPS)/;

function capturingProxyFailure(text: unknown): string | undefined {
  if (typeof text !== 'string' || !CAPTURING_PROXY_FAILURE.test(text.slice(0, 200))) return undefined;
  return text
    .slice(0, 400)
    .replace(/<[^<>]{0,40}>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const MAX_DECODED_BODY = 1_048_576;

/** A response body as text: base64 content decoded when it is text, binary left out. */
export function responseText(entry: HarEntry): string | undefined {
  const { text, encoding, mimeType } = entry.response.content;
  if (text === undefined) return undefined;
  if (encoding !== 'base64') return text;
  if (mimeType && !/json|text|xml|html|javascript|x-www-form-urlencoded|problem/i.test(mimeType)) return undefined;
  try {
    const binary = atob(text.slice(0, Math.ceil((MAX_DECODED_BODY * 4) / 3)));
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
    return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** A number, or a string of digits, as a number; anything else (an object, a boolean) is NaN without calling its methods. */
function wholeNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && /^\s{0,8}\d{1,12}\s{0,8}$/.test(value) ? Number(value) : Number.NaN;
}
