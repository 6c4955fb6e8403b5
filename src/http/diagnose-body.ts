import type { DiagnoseInput } from '../diagnose/observe-input.ts';
import { InputError } from '../errors.ts';
import type { Limits } from './config.ts';
import { decodeUtf8, parseJsonSafely, readBodyBytes } from './read-body.ts';
import { DiagnoseRequest, validate } from './schemas.ts';

export const ACCEPTED_DIAGNOSE_TYPES = ['application/json', 'text/plain', 'multipart/form-data'];

/**
 * Turn a diagnose request of any accepted content type into one validated input: JSON is
 * validated against the schema, a text/plain body is a paste, a multipart form carries a
 * `file` (a paste or capture saved to disk) and an optional `text`.
 */
export async function readDiagnoseBody(request: Request, limits: Limits): Promise<DiagnoseInput> {
  const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
  const mediaType = contentType.split(';')[0]!.trim();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    const bytes = await readBodyBytes(request, limits.maxBodyBytes);
    const text = decodeUtf8(bytes);
    if (!text.trim()) throw new InputError('empty-input', 'the JSON body is empty; send {"text": "…"} or {"error": {…}}');
    const input = validate(DiagnoseRequest, parseJsonSafely(text, limits.maxJsonDepth), 'the diagnose request is not valid');
    checkText(input.text, limits, '"text"');
    if (typeof input.error?.body === 'string') checkText(input.error.body, limits, '"error.body"');
    return input;
  }
  if (mediaType === 'text/plain') {
    const text = decodeUtf8(await readBodyBytes(request, limits.maxBodyBytes));
    checkText(text, limits, 'the pasted text');
    return { text };
  }
  if (mediaType === 'multipart/form-data') {
    const bytes = await readBodyBytes(request, limits.maxBodyBytes);
    let form: FormData;
    try {
      form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
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
  throw new InputError(
    'unsupported-media-type',
    `content type "${mediaType || '(none)'}" is not accepted; send ${ACCEPTED_DIAGNOSE_TYPES.join(', ')}`,
  );
}

function checkText(text: string | undefined, limits: Limits, what: string): void {
  if (text !== undefined && text.length > limits.maxTextChars) {
    throw new InputError('text-too-long', `${what} is ${text.length} characters, more than the ${limits.maxTextChars} allowed (MAX_TEXT_CHARS); paste only the failing response`);
  }
}
