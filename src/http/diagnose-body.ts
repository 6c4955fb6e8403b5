import type { DiagnoseInput } from '../diagnose/observe-input.ts';
import { InputError } from '../errors.ts';
import type { Limits } from './config.ts';
import { decodeUtf8, parseJsonSafely } from './read-body.ts';
import { DiagnoseRequest, validate } from './schemas.ts';

export const ACCEPTED_DIAGNOSE_TYPES = ['application/json', 'text/plain', 'multipart/form-data'];

/**
 * Turn a diagnose request of any accepted content type into one validated input: JSON is
 * validated against the schema, a text/plain body is a paste, a multipart form carries a
 * `file` (a paste or capture saved to disk) and an optional `text`.
 */
export async function readDiagnoseBody(contentType: string, bytes: Uint8Array<ArrayBuffer>, limits: Limits): Promise<DiagnoseInput> {
  const mediaType = contentType.toLowerCase().split(';')[0]!.trim();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    const text = decodeUtf8(bytes);
    if (!text.trim()) throw new InputError('empty-input', 'the JSON body is empty; send {"text": "…"} or {"error": {…}}');
    const input = validate(DiagnoseRequest, parseJsonSafely(text, limits.maxJsonDepth), 'the diagnose request is not valid');
    checkText(input.text, limits, '"text"');
    if (typeof input.error?.body === 'string') checkText(input.error.body, limits, '"error.body"');
    return input;
  }
  if (mediaType === 'text/plain') {
    const text = decodeUtf8(bytes);
    checkText(text, limits, 'the pasted text');
    return { text };
  }
  if (mediaType === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new InputError('invalid-input', 'the multipart form could not be read; send a "file" field and optionally a "text" field');
    }
    const file = form.get('file');
    const note = form.get('text');
    const parts: string[] = [];
    if (typeof note === 'string' && note.trim()) parts.push(note);
    if (file !== null && typeof file !== 'string') parts.push(decodeUtf8(new Uint8Array(await file.arrayBuffer())));
    else if (typeof file === 'string' && file.trim()) parts.push(file);
    if (parts.length === 0) throw new InputError('empty-input', 'the form has no "file" or "text" field with content');
    const text = parts.join('\n\n');
    checkText(text, limits, 'the uploaded text');
    return { text };
  }
  throw unsupportedMediaType(mediaType);
}

/** Whether a content type is one the diagnose route reads; checked before the body is read. */
export function checkDiagnoseContentType(contentType: string): void {
  const mediaType = contentType.toLowerCase().split(';')[0]!.trim();
  if (!(ACCEPTED_DIAGNOSE_TYPES.includes(mediaType) || mediaType.endsWith('+json'))) throw unsupportedMediaType(mediaType);
}

function unsupportedMediaType(mediaType: string): InputError {
  return new InputError('unsupported-media-type', `content type "${mediaType || '(none)'}" is not accepted; send ${ACCEPTED_DIAGNOSE_TYPES.join(', ')}`);
}

function checkText(text: string | undefined, limits: Limits, what: string): void {
  if (text !== undefined && text.length > limits.maxTextChars) {
    throw new InputError('text-too-long', `${what} is ${text.length} characters, more than the ${limits.maxTextChars} allowed (MAX_TEXT_CHARS); paste only the failing response`);
  }
}
