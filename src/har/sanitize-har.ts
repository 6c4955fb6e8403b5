import { isRecord } from '../is-record.ts';
import { Redactor } from '../redact/redactor.ts';
import { type HarLimits, readHar } from './read-har.ts';

export interface SanitizeManifest {
  entries: number;
  total: number;
  removed: Array<{ where: string; name: string; count: number }>;
}

type Json = Record<string, unknown>;

/**
 * Fields the walk handles by meaning, or that hold no text a person wrote; every other field, a
 * browser's own (`_initiator`, `_webSocketMessages`) or a comment, is walked and scanned.
 */
const HANDLED = {
  log: new Set(['version', 'entries', 'pages']),
  entry: new Set([
    'request',
    'response',
    'startedDateTime',
    'time',
    'timings',
    'cache',
    'serverIPAddress',
    'connection',
    'pageref',
  ]),
  request: new Set([
    'method',
    'url',
    'httpVersion',
    'headers',
    'queryString',
    'cookies',
    'postData',
    'headersSize',
    'bodySize',
  ]),
  response: new Set([
    'status',
    'statusText',
    'httpVersion',
    'headers',
    'cookies',
    'content',
    'redirectURL',
    'headersSize',
    'bodySize',
  ]),
  postData: new Set(['mimeType', 'params', 'text']),
  content: new Set(['size', 'compression', 'mimeType', 'text', 'encoding']),
  page: new Set(['id', 'startedDateTime', 'pageTimings']),
};

/** Every field not in `handled`, walked and scanned in place. */
function scanOtherFields(record: Json, handled: Set<string>, redactor: Redactor, where: string): void {
  for (const [name, value] of Object.entries(record)) {
    if (!handled.has(name)) record[name] = redactor.member(name, value, `${where}.${name}`);
  }
}

/**
 * Remove every secret from a HAR capture, in place: credentials, cookies, secret-named headers
 * and parameters, URL query values and user:password, form fields, JSON bodies at any depth,
 * base64 bodies, JWT signatures, key shapes anywhere. The capture stays a valid HAR with the
 * same entries, and the manifest says what was removed, by name and count.
 *
 * It walks the parsed tree: every value is handled by what it is, and no pattern ever runs
 * over the raw file.
 */
export function sanitizeHar(
  har: unknown,
  options: { redactor?: Redactor; limits?: HarLimits } = {},
): { har: unknown; manifest: SanitizeManifest } {
  readHar(har, options.limits);
  const redactor = options.redactor ?? new Redactor();
  const log = (har as { log: Json }).log;
  const entries = log.entries as unknown[];
  entries.forEach((entry) => {
    if (!isRecord(entry)) return;
    if (isRecord(entry.request)) sanitizeRequest(entry.request, redactor);
    if (isRecord(entry.response)) sanitizeResponse(entry.response, redactor);
    scanOtherFields(entry, HANDLED.entry, redactor, 'entry');
  });
  if (Array.isArray(log.pages)) {
    for (const page of log.pages) if (isRecord(page)) scanOtherFields(page, HANDLED.page, redactor, 'page');
  }
  scanOtherFields(log, HANDLED.log, redactor, 'log');
  const manifest = redactor.manifest();
  log._sanitized = { by: 'fixpath', removed: manifest };
  return {
    har,
    manifest: {
      entries: entries.length,
      total: manifest.reduce((sum, item) => sum + item.count, 0),
      removed: manifest,
    },
  };
}

function sanitizeHeaders(headers: unknown, redactor: Redactor, where: string): void {
  if (!Array.isArray(headers)) return;
  for (const header of headers) {
    if (isRecord(header) && typeof header.name === 'string' && typeof header.value === 'string')
      header.value = redactor.header(header.name, header.value, where);
  }
}

function sanitizeParams(params: unknown, redactor: Redactor, where: string): void {
  if (!Array.isArray(params)) return;
  for (const param of params) {
    if (isRecord(param) && typeof param.name === 'string' && typeof param.value === 'string')
      param.value = redactor.param(param.name, param.value, where);
    // A multipart field's file name and type are kept; its content was a value like any other.
    if (isRecord(param) && typeof param.name !== 'string' && typeof param.value === 'string')
      param.value = redactor.secret(param.value, where, 'unnamed');
  }
}

function sanitizeCookies(cookies: unknown, redactor: Redactor, where: string): void {
  if (!Array.isArray(cookies)) return;
  for (const cookie of cookies) {
    if (isRecord(cookie) && typeof cookie.value === 'string')
      cookie.value = redactor.secret(
        cookie.value,
        where,
        `cookie ${typeof cookie.name === 'string' ? cookie.name : ''}`,
      );
  }
}

function sanitizeRequest(request: Json, redactor: Redactor): void {
  if (typeof request.url === 'string') request.url = redactor.url(request.url, 'request.url');
  sanitizeHeaders(request.headers, redactor, 'request.headers');
  sanitizeParams(request.queryString, redactor, 'request.queryString');
  sanitizeCookies(request.cookies, redactor, 'request.cookies');
  scanOtherFields(request, HANDLED.request, redactor, 'request');
  const postData = request.postData;
  if (isRecord(postData)) {
    scanOtherFields(postData, HANDLED.postData, redactor, 'request.postData');
    sanitizeParams(postData.params, redactor, 'request.postData.params');
    if (typeof postData.text === 'string')
      postData.text = redactor.body(
        postData.text,
        typeof postData.mimeType === 'string' ? postData.mimeType : '',
        'request.postData.text',
      );
  }
}

function sanitizeResponse(response: Json, redactor: Redactor): void {
  sanitizeHeaders(response.headers, redactor, 'response.headers');
  sanitizeCookies(response.cookies, redactor, 'response.cookies');
  if (typeof response.redirectURL === 'string')
    response.redirectURL = redactor.url(response.redirectURL, 'response.redirectURL');
  scanOtherFields(response, HANDLED.response, redactor, 'response');
  const content = response.content;
  if (isRecord(content)) scanOtherFields(content, HANDLED.content, redactor, 'response.content');
  if (!isRecord(content) || typeof content.text !== 'string') return;
  const mimeType = typeof content.mimeType === 'string' ? content.mimeType : '';
  if (content.encoding === 'base64') {
    const decoded = decodeBase64Text(content.text);
    // Text behind base64 is sanitized and re-encoded. Media carries no readable secret and stays; other binary is dropped, since it cannot be checked.
    if (decoded === null) {
      if (content.text.length > 0 && !/^(image|font|audio|video)\//i.test(mimeType)) {
        content.text = '';
        redactor.removed.set(
          'response.content|binary body',
          (redactor.removed.get('response.content|binary body') ?? 0) + 1,
        );
      }
      return;
    }
    const cleaned = redactor.body(decoded, mimeType, 'response.content');
    if (cleaned !== decoded) content.text = encodeBase64Text(cleaned);
    return;
  }
  content.text = redactor.body(content.text, mimeType, 'response.content');
}

function decodeBase64Text(text: string): string | null {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

function encodeBase64Text(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}
