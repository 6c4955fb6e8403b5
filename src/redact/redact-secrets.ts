/**
 * Secret detection and redaction for strings. Everything fixpath shows, logs or returns passes
 * through here first: a secret is never shown whole, only a short prefix that helps a person
 * recognise which value it was.
 */

const PREFIX_LENGTH = 10;
export const REDACTED = '[redacted]';

/** The shown form of a secret: its first characters and a marker, e.g. `eyJhbGciOi…[redacted]`. */
export function redactSecret(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length <= PREFIX_LENGTH + 2) return REDACTED;
  return `${trimmed.slice(0, PREFIX_LENGTH)}…${REDACTED}`;
}

/** Patterns of secrets that can appear anywhere in free text. Each is bounded to stay linear. */
const SECRET_PATTERNS: RegExp[] = [
  // JWTs: header.payload[.signature]
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g,
  // Authorization-style values: scheme followed by a credential
  /\b(?:Bearer|Basic|Digest|token|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/g,
  // Well-known key shapes
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bAIza[0-9A-Za-z\-_]{30,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  // key=value pairs whose name says secret
  /\b(?:access_token|refresh_token|id_token|client_secret|api_key|apikey|password|passwd|secret|session(?:id)?|sig|signature|code)=[^&\s"']{4,}/gi,
  // user:password@ in URLs
  /(?<=\/\/)[^/\s:@]+:[^/\s@]+@/g,
];

/** Redact every secret-shaped run inside a piece of free text. */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match) => redactMatch(match));
  }
  return out;
}

function redactMatch(match: string): string {
  const assignment = /^([A-Za-z_]+=)(.*)$/s.exec(match);
  if (assignment) return `${assignment[1]}${REDACTED}`;
  const scheme = /^(Bearer|Basic|Digest|token|Token)(\s+)(.*)$/s.exec(match);
  if (scheme) return `${scheme[1]}${scheme[2]}${redactSecret(scheme[3]!)}`;
  if (match.endsWith('@')) return `${REDACTED}@`;
  return redactSecret(match);
}

/** A whole header value that is a credential (`Authorization`, `Cookie`, …), redacted. */
export function redactCredentialHeader(value: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9-]*)\s+(.+)$/s.exec(value.trim());
  if (scheme && /^(bearer|basic|digest|token|hmac|aws4-hmac-sha256|negotiate|ntlm|dpop|apikey)$/i.test(scheme[1]!)) {
    return `${scheme[1]} ${redactSecret(scheme[2]!)}`;
  }
  return redactSecret(value);
}

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|key|token|secret|password|session|signature|auth|csrf|xsrf/i;

/** Whether a header's value is a secret to be redacted whole. */
export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER.test(name);
}
