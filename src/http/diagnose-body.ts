import type { Limits } from '../config/limits.ts';
import type { DiagnoseInput } from '../diagnose/observe-input.ts';
import { InputError } from '../errors.ts';
import { looksLikeHar } from '../har/read-har.ts';
import { scanHar } from '../har/scan-har.ts';
import { parseMultipart } from './multipart.ts';
import { decodeUtf8, formatBytes, parseJsonSafely, tooLarge } from './read-body.ts';
import { DiagnoseRequest, validate } from './schemas.ts';

export const ACCEPTED_DIAGNOSE_TYPES = ['application/json', 'text/plain', 'multipart/form-data'];

/**
 * Turn a diagnose request of any accepted content type into one validated input: JSON is
 * validated against the schema, a text/plain body is a paste (a HAR pasted whole is read as a
 * capture), a multipart form carries a `file` (a `.har` or a saved response) and an optional
 * `text`. Captures may use the whole upload limit; anything else is held to the body limit.
 */
/**
 * The body bytes, handed over rather than shared: the reader lets go of them as soon as they
 * are decoded, so a 100 MB capture is not held as bytes, text and parsed tree all at once.
 */
export interface BodyHandle {
  bytes: Uint8Array<ArrayBuffer> | null;
}

export function readDiagnoseBody(
  contentType: string,
  handle: BodyHandle,
  limits: Limits,
  purpose: 'diagnose' | 'sanitize' = 'diagnose',
): DiagnoseInput {
  const mediaType = contentType.toLowerCase().split(';')[0]!.trim();
  const body = handle.bytes ?? new Uint8Array(0);
  const size = body.byteLength;
  // Diagnosis reads a capture entry by entry from the bytes; sanitizing needs the whole tree.
  const scan = (bytes: Uint8Array, wrapped: boolean): DiagnoseInput | null =>
    purpose === 'diagnose' ? scanCapture(bytes, limits, wrapped) : null;
  const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
  // A JSON body may be a diagnose request carrying a capture; a paste must be the capture itself.
  const scanned = isJson || mediaType === 'text/plain' ? scan(body, isJson) : null;
  let input: DiagnoseInput;
  if (scanned) {
    handle.bytes = null;
    input = scanned;
  } else if (isJson) {
    const text = decodeUtf8(body);
    handle.bytes = null;
    // Only a capture may be larger than the body limit: refuse anything else before parsing it.
    if (size > limits.maxBodyBytes && !/"log"\s*:/.test(text.slice(0, 4096))) throw bodyTooLarge(limits);
    if (!text.trim())
      throw new InputError('empty-input', 'the JSON body is empty; send {"text": "…"}, {"error": {…}} or {"har": {…}}');
    const parsed = parseJsonSafely(text, limits.maxJsonDepth);
    // A HAR posted as the body itself (curl --data-binary @capture.har) is a capture too.
    input = looksLikeHar(parsed)
      ? { har: parsed }
      : validate(DiagnoseRequest, parsed, 'the diagnose request is not valid');
  } else if (mediaType === 'text/plain') {
    const text = decodeUtf8(body);
    handle.bytes = null;
    input = pasted(text, limits);
  } else if (mediaType === 'multipart/form-data') {
    const parts = parseMultipart(body, contentType);
    const file = parts.find((part) => part.name === 'file');
    const note = parts.find((part) => part.name === 'text');
    const noteText = note ? decodeUtf8(note.data as Uint8Array<ArrayBuffer>).trim() : '';
    const fileInput =
      file && file.data.length > 0
        ? (scan(file.data, false) ?? pasted(decodeUtf8(file.data as Uint8Array<ArrayBuffer>), limits))
        : undefined;
    if (!fileInput && !noteText)
      throw new InputError('empty-input', 'the form has no "file" or "text" field with content');
    if (fileInput?.capture) input = { capture: fileInput.capture, ...(noteText ? { text: noteText } : {}) };
    else if (fileInput?.har !== undefined) input = { har: fileInput.har, ...(noteText ? { text: noteText } : {}) };
    else input = { text: [noteText, fileInput?.text ?? ''].filter(Boolean).join('\n\n') };
  } else {
    throw unsupportedMediaType(mediaType);
  }
  const isCapture = input.har !== undefined || input.capture !== undefined;
  if (!isCapture && size > limits.maxBodyBytes) throw bodyTooLarge(limits);
  if (isCapture && size > limits.maxUploadBytes) throw tooLarge(limits.maxUploadBytes, 'MAX_UPLOAD_MB');
  checkText(input.text, limits, isCapture ? 'the "text" field' : 'the text');
  if (typeof input.error?.body === 'string') checkText(input.error.body, limits, '"error.body"');
  return input;
}

/**
 * A capture read entry by entry (`scanHar`), or null when the bytes are not one; `wrapped`
 * also accepts a diagnose request carrying one (`{"har": …, "text": …}`).
 */
function scanCapture(bytes: Uint8Array, limits: Limits, wrapped: boolean): DiagnoseInput | null {
  const scanned = scanHar(bytes, {
    limits: { maxEntries: limits.maxHarEntries },
    maxDepth: limits.maxJsonDepth,
    wrapped,
  });
  if (!scanned) return null;
  return scanned.text === undefined ? { capture: scanned.har } : { capture: scanned.har, text: scanned.text };
}

/** A paste: a HAR pasted whole is a capture, anything else is text to read. */
function pasted(text: string, limits: Limits): DiagnoseInput {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') && /"log"\s*:/.test(trimmed.slice(0, 4096))) {
    const parsed = parseJsonSafely(text, limits.maxJsonDepth);
    if (looksLikeHar(parsed)) return { har: parsed };
  }
  return { text };
}

/** Whether a content type is one the diagnose and sanitize routes read; checked before the body is read. */
export function checkDiagnoseContentType(contentType: string): void {
  const mediaType = contentType.toLowerCase().split(';')[0]!.trim();
  if (!(ACCEPTED_DIAGNOSE_TYPES.includes(mediaType) || mediaType.endsWith('+json')))
    throw unsupportedMediaType(mediaType);
}

function unsupportedMediaType(mediaType: string): InputError {
  return new InputError(
    'unsupported-media-type',
    `content type "${mediaType || '(none)'}" is not accepted; send ${ACCEPTED_DIAGNOSE_TYPES.join(', ')}`,
  );
}

function bodyTooLarge(limits: Limits): InputError {
  return new InputError(
    'body-too-large',
    `the request body is larger than the ${formatBytes(limits.maxBodyBytes)} limit (MAX_BODY_BYTES) for anything but a HAR capture; trim the paste to the failing response`,
  );
}

function checkText(text: string | undefined, limits: Limits, what: string): void {
  if (text !== undefined && text.length > limits.maxTextChars) {
    throw new InputError(
      'text-too-long',
      `${what} is ${text.length} characters, more than the ${limits.maxTextChars} allowed (MAX_TEXT_CHARS); paste only the failing response`,
    );
  }
}
