import { InputError } from '../errors.ts';

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** A view into the request body: no part is copied. */
  data: Uint8Array;
}

const MAX_PARTS = 20;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first, from); at >= 0 && at <= haystack.length - needle.length; at = haystack.indexOf(first, at + 1)) {
    let match = true;
    for (let index = 1; index < needle.length; index += 1) {
      if (haystack[at + index] !== needle[index]) {
        match = false;
        break;
      }
    }
    if (match) return at;
  }
  return -1;
}

/**
 * Split a multipart/form-data body (RFC 7578) into parts that point into the body bytes, so a
 * 100 MB capture is not copied to be read.
 */
export function parseMultipart(body: Uint8Array, contentType: string): FormPart[] {
  const boundary = /boundary="?([^";]{1,200})"?/i.exec(contentType)?.[1];
  if (!boundary) throw new InputError('invalid-input', 'the multipart body has no boundary in its Content-Type');
  const delimiter = encoder.encode(`--${boundary}`);
  const parts: FormPart[] = [];
  let start = indexOf(body, delimiter, 0);
  if (start < 0) throw new InputError('invalid-input', 'the multipart body does not contain its boundary; send a "file" field and optionally a "text" field');
  while (start >= 0 && parts.length < MAX_PARTS) {
    const afterDelimiter = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break;
    const headerEnd = indexOf(body, encoder.encode('\r\n\r\n'), afterDelimiter);
    if (headerEnd < 0) break;
    const next = indexOf(body, delimiter, headerEnd + 4);
    if (next < 0) break;
    const headers = decoder.decode(body.subarray(afterDelimiter, headerEnd));
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
    // The part's data ends before the CRLF that precedes the next delimiter.
    const end = next >= 2 && body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    if (name !== undefined) parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(type ? { contentType: type } : {}), data: body.subarray(headerEnd + 4, end) });
    start = next;
  }
  return parts;
}
