import { Redactor } from '../redact/redactor.ts';
import { sha256 } from '../redact/sha256.ts';
import { toHex } from '../text/hex.ts';
import type { FactSet } from './types.ts';

/**
 * An error signature: a readable key that is the same for the same error reported by different
 * customers, and different for different errors, so what fixpath could not settle can be
 * grouped and counted. It is made of what a machine printed, never of what a person wrote:
 *
 * - the response status (a real one first, else one the text mentions);
 * - machine error codes: OAuth and challenge codes, codes in error bodies (`"code": "…"`), and
 *   vendor codes (`AADSTS50057`, `ERR_CONNECTION_REFUSED`);
 * - exception class names (`TokenExpiredError`, `StorageException`), without their package;
 * - the error message as a template: the sentence the first code or exception introduces, or
 *   an error body's message, with its variable parts (URLs, e-mail addresses, tokens, ids,
 *   times, numbers and quoted values) masked.
 *
 * `AADSTS50057: The user account is disabled. Trace ID: 5f7d…` from two tenants both give
 * `AADSTS50057 · "the user account is disabled."`. The signature holds no secret: tokens, ids
 * and quoted values are masked before anything is kept.
 */
export interface ErrorSignature {
  /** The readable key, its parts joined by ` · `; `no error printed` when nothing machine-printed was found. */
  key: string;
  /** A short stable id for the key: the first 16 hex digits of its SHA-256. */
  id: string;
  status: number | null;
  codes: string[];
  exceptions: string[];
  template: string | null;
}

/** How much of the input's text is read: error texts sit near the start, and the scan stays cheap. */
const SCAN_CHARS = 16_384;
const TEMPLATE_CHARS = 160;
const MAX_CODES = 6;

/** Upper-case letters then digits (`AADSTS50057`, `IDX10223`), or `ERR_` names; not standards or algorithms. */
const VENDOR_CODE = /\b(?:[A-Z]{2,10}\d{3,6}|ERR_[A-Z0-9_]{2,40})\b/g;
const NOT_CODES =
  /^(?:RFC|ISO|UTF|SHA|HS|RS|ES|PS|TLS|SSL|HTTP|AES|RSA|UTC|GMT|CVE|PKCS|X|IPV|ASCII|ECMA|UCS|CRC|MD|WIN)\d/;
const EXCEPTION = /\b[A-Z][A-Za-z0-9]{1,60}(?:Exception|Error)\b/g;
/** A code in an error body: `"code": "object_not_found"`, `"error": "invalid_grant"`. */
const BODY_CODE =
  /"(?:error|code|error_code|errorCode|error_type|errorType|reason|__type)"\s*:\s*"([A-Za-z][\w.:#-]{2,60})"/g;
const BODY_MESSAGE =
  /"(?:message|error_description|errorMessage|error_message|detail|title|msg)"\s*:\s*"([^"\\\n]{3,300})"/;
const ERROR_LINE =
  /\b(?:error|exception|denied|invalid|failed|failure|forbidden|unauthori[sz]ed|expired|not allowed|refused)\b/i;
const SENTENCE_END = /[.!?](?=\s|$)|\n/;

/** An e-mail address opening a word. */
const EMAIL_AT_START = /^[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/;

/** Variable parts of a message, masked in this order (URLs before the numbers inside them). */
const MASKS: Array<[RegExp, (match: string) => string]> = [
  [/\bhttps?:\/\/[^\s'"<>]{1,2000}/gi, () => '<url>'],
  [/\[redacted:[0-9a-f]{1,64}\]/g, () => '<secret>'],
  // Word by word: a pattern that looked for the address anywhere would backtrack on every dot.
  [/\S+/g, (word) => word.replace(EMAIL_AT_START, '<email>')],
  [/\beyJ[\w.-]{8,}/g, () => '<token>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, () => '<id>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, () => '<time>'],
  [/\b\d{1,2}:\d{2}(?::\d{2})?\b/g, () => '<time>'],
  [/'[^'\n]{1,200}'|"[^"\n]{1,200}"|`[^`\n]{1,200}`/g, () => "'<value>'"],
  // A long run of letters and digits with a digit in it is an id, a key or a hash.
  [/[A-Za-z0-9_-]{16,}/g, (run) => (/\d/.test(run) ? '<id>' : run)],
  [/\b\d+(?:\.\d+)?\b/g, () => '<n>'],
];

export function errorSignature(facts: FactSet): ErrorSignature {
  const text = unescaped(facts.texts.join('\n').slice(0, SCAN_CHARS));
  const status =
    (
      facts.statuses.find((found) => !found.inferred && !found.network) ??
      facts.statuses.find((found) => !found.network)
    )?.status ?? null;
  const codes = distinct([
    ...facts.errorCodes.map((found) => found.code).filter(readsAsName),
    ...[...text.matchAll(BODY_CODE)].map((match) => match[1]!).filter(readsAsName),
    ...[...text.matchAll(VENDOR_CODE)].map((match) => match[0]).filter((code) => !NOT_CODES.test(code)),
  ]).slice(0, MAX_CODES);
  const exceptions = distinct([...text.matchAll(EXCEPTION)].map((match) => match[0])).slice(0, MAX_CODES);
  const message = messageOf(text, [...codes, ...exceptions]);
  // Secrets go first, by the redactor's rules; its markers, which differ per secret, are then masked.
  const template = templateOf(message && new Redactor().text(message, 'signature'));
  const parts = [
    status === null ? null : String(status),
    codes.join(', ') || null,
    exceptions.join(', ') || null,
    template === null ? null : `"${template}"`,
  ];
  const key = parts.filter((part): part is string => part !== null).join(' · ') || 'no error printed';
  return { key, id: toHex(sha256(new TextEncoder().encode(key))).slice(0, 16), status, codes, exceptions, template };
}

/**
 * A code a person or a program named (`object_not_found`, `Authorization_RequestDenied`), not a
 * random value that happens to sit under `code` (an OAuth authorization code is a secret).
 */
function readsAsName(code: string): boolean {
  if (/\d[A-Za-z]/.test(code)) return false;
  return code.split(/[_.:#-]/).every((part) => (part.match(/[a-z][A-Z]/g)?.length ?? 0) <= 3);
}

/** JSON-escaped text quoted in a report (`\"`, `\r\n`) read as the characters it stands for. */
function unescaped(text: string): string {
  return text.replace(/\\(["nrt])/g, (_, letter: string) => (letter === '"' ? '"' : letter === 't' ? ' ' : '\n'));
}

/** Codes once each, compared without case, in a stable order. */
function distinct(values: string[]): string[] {
  const seen = new Map<string, string>();
  for (const value of values) if (!seen.has(value.toLowerCase())) seen.set(value.toLowerCase(), value);
  return [...seen.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/**
 * The error's own sentence: an error body's message, else what follows the first code or
 * exception (`AADSTS50057: The user account is disabled.`), else the first line that reads as
 * an error. A code or exception the sentence opens with is left out: it is a part of its own.
 */
function messageOf(text: string, anchors: string[]): string | null {
  const body = BODY_MESSAGE.exec(text);
  if (body) return withoutLeading(firstSentence(body[1]!), anchors);
  const lower = text.toLowerCase();
  const positions = anchors
    .map((anchor) => ({ anchor, at: lower.indexOf(anchor.toLowerCase()) }))
    .filter((found) => found.at >= 0);
  const first = positions.sort((a, b) => a.at - b.at)[0];
  if (first) {
    const sentence = firstSentence(text.slice(first.at + first.anchor.length).replace(/^["'\]):,\s-]{0,8}/, ''));
    if (sentence.length >= 3) return withoutLeading(sentence, anchors);
  }
  const line = text.split('\n').find((candidate) => ERROR_LINE.test(candidate));
  return line ? withoutLeading(firstSentence(line.trim()), anchors) : null;
}

function withoutLeading(sentence: string, anchors: string[]): string {
  let rest = sentence;
  for (const anchor of anchors) {
    if (rest.toLowerCase().startsWith(anchor.toLowerCase()))
      rest = rest.slice(anchor.length).replace(/^["'\]):,\s-]{0,8}/, '');
  }
  return rest;
}

function firstSentence(text: string): string {
  const head = text.slice(0, TEMPLATE_CHARS * 2);
  const end = SENTENCE_END.exec(head);
  return (end ? head.slice(0, end.index + (end[0] === '\n' ? 0 : 1)) : head).trim();
}

function templateOf(message: string | null): string | null {
  if (!message) return null;
  let template = message;
  for (const [pattern, mask] of MASKS) template = template.replace(pattern, mask);
  template = template.replace(/\s+/g, ' ').trim().toLowerCase();
  if (template.length > TEMPLATE_CHARS) template = `${template.slice(0, TEMPLATE_CHARS)}…`;
  return template.length > 0 ? template : null;
}
