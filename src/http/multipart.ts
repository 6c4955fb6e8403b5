import { InputError } from '../errors.ts';
import { byteSearch } from './find-bytes.ts';

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** A view into the request body: no part is copied. */
  data: Uint8Array;
}

const MAX_PARTS = 20;
/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
export const MAX_BOUNDARY_CHARS = 70;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const findHeaderEnd = byteSearch(encoder.encode('\r\n\r\n'));

/**
 * Split a multipart/form-data body (RFC 7578) into parts that point into the body bytes, so a
 * 100 MB capture is not copied to be read. Every search moves forward from the last one and
 * is linear, so the whole body is read in time linear in its size, whatever its bytes.
 */
export function parseMultipart(body: Uint8Array, contentType: string): FormPart[] {
  const delimiter = encoder.encode(`--${readBoundary(contentType)}`);
  const findDelimiter = byteSearch(delimiter);
  const parts: FormPart[] = [];
  let start = findDelimiter(body, 0);
  if (start < 0)
    throw new InputError(
      'invalid-multipart',
      'the multipart body does not contain its boundary; send a "file" field and optionally a "text" field',
    );
  while (start >= 0 && parts.length < MAX_PARTS) {
    const afterDelimiter = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break;
    const headerEnd = findHeaderEnd(body, afterDelimiter);
    if (headerEnd < 0) break;
    const next = findDelimiter(body, headerEnd + 4);
    if (next < 0) break;
    const headers = decoder.decode(body.subarray(afterDelimiter, headerEnd));
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
    // The part's data ends before the CRLF that precedes the next delimiter.
    const end = next >= 2 && body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    if (name !== undefined)
      parts.push({
        name,
        ...(filename !== undefined ? { filename } : {}),
        ...(type ? { contentType: type } : {}),
        data: body.subarray(headerEnd + 4, end),
      });
    start = next;
  }
  return parts;
}

/** The `boundary` parameter of a multipart Content-Type, quoted or not. */
function readBoundary(contentType: string): string {
  const match = /(?:^|;)\s*boundary=(?:"([^"]*)"|([^";\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined)
    throw new InputError('invalid-multipart', 'the multipart body has no boundary in its Content-Type');
  if (boundary.length < 1 || boundary.length > MAX_BOUNDARY_CHARS) {
    throw new InputError(
      'invalid-multipart',
      `the multipart boundary is ${boundary.length} characters; it must be 1–${MAX_BOUNDARY_CHARS} characters (RFC 2046)`,
    );
  }
  return boundary;
}
