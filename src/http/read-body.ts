import { InputError, nestedTooDeep, notUtf8 } from '../errors.ts';

/**
 * Read a request body up to a byte limit: a declared Content-Length over the limit is refused
 * before reading, and a chunked body is counted as it arrives and stopped at the limit.
 */
export async function readBodyBytes(
  request: Request,
  maxBytes: number,
  variable = 'MAX_UPLOAD_MB',
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes, variable);
  if (!request.body) return new Uint8Array(0);
  // With a declared length the HTTP parser frames the body to it: read it in one go.
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Array<Uint8Array<ArrayBuffer>> = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes, variable);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function tooLarge(maxBytes: number, variable = 'MAX_UPLOAD_MB'): InputError {
  return new InputError(
    'body-too-large',
    `the request body is larger than the ${formatBytes(maxBytes)} limit (${variable}); sanitize and trim the capture to the failing requests (npx fixpath sanitize), or send only the failing response`,
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decode UTF-8 strictly: a body in another encoding is an error, not mojibake. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw notUtf8();
  }
}

/**
 * Parse JSON safely: nesting is measured before parsing so a deeply nested document cannot
 * exhaust the stack later, and `__proto__`/`constructor`/`prototype` members are removed so the
 * result can be spread or merged without touching any prototype. The removal walk only runs
 * when the text contains one of those names, so ordinary bodies parse at native speed.
 */
export function parseJsonSafely(text: string, maxDepth: number): unknown {
  // Small bodies are measured before parsing. A capture of many megabytes is parsed first
  // (V8's parser does not recurse) and measured on the tree, which costs a fraction of
  // scanning its text; either way nothing recursive ever sees a document that is too deep.
  const prescan = text.length <= PRESCAN_CHARS;
  if (prescan) rejectTooDeep(jsonDepth(text), maxDepth);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = position ? ` near character ${position}${lineAndColumn(text, Number(position))}` : '';
    throw new InputError('invalid-json', `the body is not valid JSON${where}; check quotes, commas and brackets`);
  }
  if (!prescan && treeDepth(parsed, maxDepth) > maxDepth) {
    throw nestedTooDeep(maxDepth);
  }
  if (text.includes('"__proto__"') || text.includes('"constructor"') || text.includes('"prototype"'))
    removeDangerousKeys(parsed);
  return parsed;
}

/** Bodies up to this many characters have their nesting measured before they are parsed. */
const PRESCAN_CHARS = 1024 * 1024;

function rejectTooDeep(depth: number, maxDepth: number): void {
  if (depth > maxDepth)
    throw new InputError(
      'invalid-input',
      `the JSON is nested ${depth} levels deep, more than the ${maxDepth} allowed (MAX_JSON_DEPTH)`,
    );
}

/** Nesting of a parsed tree, without recursion; stops counting once past the limit. */
function treeDepth(root: unknown, maxDepth: number): number {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let deepest = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > maxDepth) return deepest;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype'];

function removeDangerousKeys(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    for (const key of DANGEROUS_KEYS) if (Object.hasOwn(value, key)) delete (value as Record<string, unknown>)[key];
    for (const member of Object.values(value)) stack.push(member);
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

const STRUCTURE = /["{}[\]]/g;

/**
 * Deepest bracket nesting in a JSON text, ignoring brackets inside strings. Linear, and fast on
 * captures that are mostly long strings: it jumps from quote to quote with native searches.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
    const char = match[0];
    if (char === '"') {
      // Skip to the closing quote: one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', match.index + 1);
      while (end > 0) {
        let backslashes = 0;
        for (let at = end - 1; text.charCodeAt(at) === 92; at -= 1) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) break;
      STRUCTURE.lastIndex = end + 1;
    } else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else depth -= 1;
  }
  return deepest;
}
