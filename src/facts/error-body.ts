/**
 * Read an error response body in any of the shapes APIs use: OAuth (`error`,
 * `error_description`), nested (`{"error": {"message", "code", "status"}}`), problem+json
 * (`title`, `detail`), lists (`errors[]`), gateway faults, XML (`<Code>`, `<Message>`), HTML
 * and plain text.
 */

export interface ErrorBodyReading {
  /** Machine codes such as `invalid_grant` or `SignatureDoesNotMatch`, as written. */
  codes: string[];
  /** Human messages, for phrase matching and evidence. */
  messages: string[];
  /** Numeric status the body states about itself, when it does. */
  status?: number;
  /** `{"active": false}`: a token-introspection answer for an inactive token. */
  inactive: boolean;
}

const MAX_BODY_CHARS = 1_048_576;
const MAX_DEPTH = 8;
const MAX_VALUES = 200;
const CODE_SHAPE = /^[A-Za-z][A-Za-z0-9_.:-]{2,63}$/;
const CODE_KEYS = new Set([
  'error',
  'code',
  'error_code',
  'errorcode',
  'type',
  '__type',
  'reason',
  'status',
  'errortype',
  'subcode',
]);
const MESSAGE_KEYS = new Set([
  'error_description',
  'message',
  'detail',
  'title',
  'description',
  'msg',
  'faultstring',
  'error_message',
  'errormessage',
  'hint',
  'details',
  'reason',
]);
const STATUS_KEYS = new Set(['status', 'statuscode', 'status_code', 'code', 'httpstatus']);

export function readErrorBody(body: string): ErrorBodyReading {
  const reading: ErrorBodyReading = { codes: [], messages: [], inactive: false };
  const text = body.slice(0, MAX_BODY_CHARS).trim();
  if (!text) return reading;
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      walk(JSON.parse(text) as unknown, reading, 0, '');
      return dedupe(reading);
    } catch {
      // not JSON after all: read as text below
    }
  }
  if (text.startsWith('<')) {
    for (const match of text.matchAll(/<(Code|code|error)>([^<]{1,120})<\/\1>/g)) reading.codes.push(match[2]!.trim());
    for (const match of text.matchAll(/<(Message|message|title|h1|faultstring)>([^<]{1,500})<\/\1>/g))
      reading.messages.push(match[2]!.trim());
    const visible = withoutElements(text, ['script', 'style'])
      .replace(/<[^<>]{0,4096}>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (visible) reading.messages.push(visible.slice(0, 2000));
    return dedupe(reading);
  }
  reading.messages.push(text);
  for (const match of text.matchAll(/\berror[=:]\s*"?([a-z][a-z0-9_]{2,60})"?/gi)) reading.codes.push(match[1]!);
  return dedupe(reading);
}

function walk(value: unknown, reading: ErrorBodyReading, depth: number, key: string): void {
  if (depth > MAX_DEPTH || reading.codes.length + reading.messages.length > MAX_VALUES) return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 50)) walk(item, reading, depth + 1, key);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [childKey, child] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      const lower = childKey.toLowerCase();
      if (lower === 'active' && child === false) reading.inactive = true;
      walk(child, reading, depth + 1, lower);
    }
    return;
  }
  if (typeof value === 'number' && STATUS_KEYS.has(key) && Number.isInteger(value) && value >= 400 && value <= 599) {
    reading.status ??= value;
    return;
  }
  if (typeof value !== 'string') return;
  const trimmed = value.trim();
  if (!trimmed) return;
  if (CODE_KEYS.has(key) && CODE_SHAPE.test(trimmed)) reading.codes.push(trimmed);
  else if (MESSAGE_KEYS.has(key) || CODE_KEYS.has(key) || key === 'error' || key.endsWith('message'))
    reading.messages.push(trimmed.slice(0, 2000));
}

function dedupe(reading: ErrorBodyReading): ErrorBodyReading {
  reading.codes = [...new Set(reading.codes)];
  reading.messages = [...new Set(reading.messages)];
  return reading;
}

/**
 * The text with every `<script>…</script>` and `<style>…</style>` element removed, found with
 * indexOf so an unclosed element costs one pass, not one per opening tag.
 */
function withoutElements(html: string, names: string[]): string {
  const lower = html.toLowerCase();
  let out = '';
  let at = 0;
  for (;;) {
    let start = -1;
    let name = '';
    for (const candidate of names) {
      const found = lower.indexOf(`<${candidate}`, at);
      if (found >= 0 && (start < 0 || found < start)) {
        start = found;
        name = candidate;
      }
    }
    if (start < 0) return out + html.slice(at);
    const close = lower.indexOf(`</${name}`, start);
    out += `${html.slice(at, start)} `;
    if (close < 0) return out;
    const end = lower.indexOf('>', close);
    at = end < 0 ? html.length : end + 1;
  }
}
