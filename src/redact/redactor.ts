import { hmacSha256, toHex } from './sha256.ts';

/**
 * The one redaction module. Every secret fixpath shows, logs, returns or writes into a
 * sanitized capture passes through a Redactor, which replaces it with a marker made of a keyed
 * hash: equal secrets get equal markers within one request ("the same token as entry 12"), and
 * nobody without the key can test a guess against a marker.
 */

const encoder = new TextEncoder();

/** Names whose values are secrets, in headers, query and form parameters and JSON keys. */
const SECRET_NAME = /key|token|secret|passw|pwd|session|signature|sig$|^sig|code|auth|credential|cookie|csrf|xsrf|otp|jwt|bearer|^sid$|private|assertion|nonce/i;
/** …except names that only contain such a word ("token_type", "expires_in", "error_code"). */
const HARMLESS_NAME = /^(token_type|expires_in|error_code|status_code|country_code|currency_code|code_challenge_method|response_code|http_code|auth_type|authorization_endpoint|token_endpoint|keyboard|keys?_count|www-authenticate|proxy-authenticate|access-control-[a-z-]+|content-security-policy|x-content-type-options|cache-control)$/i;
/** Values under a "code" name that are identifiers (`invalid_grant`, `401`), not one-time codes. */
const IDENTIFIER = /^(?:[a-z]+(?:[_.-][a-z]+)*|\d{1,4})$/i;

/** JWT / JWS compact: header.payload.signature, each base64url. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.?[A-Za-z0-9_-]*/g;
/** Secrets recognisable by shape anywhere in text. Each pattern is linear. */
const SECRET_SHAPES: RegExp[] = [
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bglpat-[A-Za-z0-9_-]{16,}/g,
];
const SCHEME_VALUE = /\b(Bearer|Basic|Digest|Token|token|Negotiate|NTLM|DPoP|ApiKey)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)/g;
const KEY_VALUE = /([?&;\s"']|^)([A-Za-z_][A-Za-z0-9_.-]{0,40})=([^&;\s"'<>]{3,})/g;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi;
/** `password: 'x'`, `"apiKey": "x"`, `token = "x"`: assignments in scripts, configs and logs. */
const ASSIGNMENT = /(["']?)([A-Za-z_][A-Za-z0-9_.-]{0,40})\1(\s*[:=]\s*)(["'`])([^"'`\n]{3,2000})\4/g;
/** `<meta name="csrf-token" content="x">` and `<input name="password" value="x">`. */
const HTML_ATTRIBUTE = /(\bname=["']([^"']{1,60})["'][^>]{0,200}?\b(?:content|value)=["'])([^"']{3,2000})(["'])/gi;

export interface Redaction {
  where: string;
  name: string;
}

export class Redactor {
  private readonly key: Uint8Array;
  private readonly tags = new Map<string, string>();
  /** What was removed: "where|name" → count. Names and counts only, never values. */
  readonly removed = new Map<string, number>();

  constructor(key?: Uint8Array) {
    this.key = key ?? crypto.getRandomValues(new Uint8Array(32));
  }

  /** The marker's tag for a secret: 8 hex characters of a keyed hash, equal for equal secrets. */
  tag(secret: string): string {
    let tag = this.tags.get(secret);
    if (tag === undefined) {
      tag = toHex(hmacSha256(this.key, encoder.encode(secret)).subarray(0, 4));
      if (this.tags.size < 100_000) this.tags.set(secret, tag);
    }
    return tag;
  }

  private note(where: string, name: string): void {
    const key = `${where}|${name}`;
    this.removed.set(key, (this.removed.get(key) ?? 0) + 1);
  }

  /** A whole value replaced by its marker. */
  secret(value: string, where: string, name: string): string {
    if (!value || value.startsWith('[redacted:')) return value;
    this.note(where, name);
    return `[redacted:${this.tag(value)}]`;
  }

  /** A short, recognisable form of a secret for display: `eyJhbGciOi…[redacted:1a2b3c4d]`. */
  preview(value: string, where: string, name: string): string {
    const trimmed = value.trim();
    this.note(where, name);
    const prefix = /^eyJ/.test(trimmed) ? trimmed.slice(0, 10) : '';
    return `${prefix}${prefix ? '…' : ''}[redacted:${this.tag(trimmed)}]`;
  }

  /**
   * A JWT keeps its header and claims, which help a diagnosis and grant nothing, and loses its
   * signature, which is what makes it usable. The signature's place holds the marker, in
   * base64url characters so the result still reads as a three-part token.
   */
  jwt(token: string, where: string, name: string): string {
    const [header, payload] = token.split('.');
    if (!header || !payload) return this.secret(token, where, name);
    this.note(where, name);
    return `${header}.${payload}.redacted-${this.tag(token)}`;
  }

  /** An Authorization-style value: the scheme stays, the credential goes. */
  credential(value: string, where: string, name: string): string {
    const match = /^(\s*)([A-Za-z][A-Za-z0-9-]*)(\s+)(.+)$/s.exec(value);
    if (match && /^(bearer|basic|digest|token|hmac|aws4-hmac-sha256|negotiate|ntlm|dpop|apikey|signature|key)$/i.test(match[2]!)) {
      return `${match[1]}${match[2]}${match[3]}${this.credentialValue(match[4]!, where, name)}`;
    }
    return this.credentialValue(value, where, name);
  }

  private credentialValue(value: string, where: string, name: string): string {
    const trimmed = value.trim();
    if (/^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(trimmed)) return value.replace(trimmed, this.jwt(trimmed, where, name));
    return this.secret(value, where, name);
  }

  /** `a=1; b=2` → each value redacted, names kept. */
  cookieHeader(value: string, where: string): string {
    return value
      .split(';')
      .map((part) => {
        const equals = part.indexOf('=');
        if (equals < 0) return part;
        return `${part.slice(0, equals)}=${this.secret(part.slice(equals + 1), where, `cookie ${part.slice(0, equals).trim()}`)}`;
      })
      .join(';');
  }

  /** `sid=abc; Path=/; SameSite=None` → the value redacted, the attributes kept (they are evidence). */
  setCookie(value: string, where: string): string {
    const semicolon = value.indexOf(';');
    const pair = semicolon < 0 ? value : value.slice(0, semicolon);
    const rest = semicolon < 0 ? '' : value.slice(semicolon);
    const equals = pair.indexOf('=');
    if (equals < 0) return value;
    return `${pair.slice(0, equals)}=${this.secret(pair.slice(equals + 1), where, `cookie ${pair.slice(0, equals).trim()}`)}${rest}`;
  }

  /** Whether a header, parameter or JSON key name says its value is a secret. */
  isSecretName(name: string): boolean {
    return SECRET_NAME.test(name) && !HARMLESS_NAME.test(name);
  }

  /** A named value (header, parameter, JSON member): secret by name, or scanned for secrets by shape. */
  named(name: string, value: string, where: string): string {
    if (/^(authorization|proxy-authorization)$/i.test(name)) return this.credential(value, where, name);
    if (/^cookie$/i.test(name)) return this.cookieHeader(value, where);
    if (/^set-cookie$/i.test(name)) return this.setCookie(value, where);
    if (this.isSecretName(name)) {
      if (/code/i.test(name) && !/auth|secret|token|key/i.test(name) && IDENTIFIER.test(value)) return value;
      return this.credential(value, where, name);
    }
    return this.text(value, where);
  }

  /** Secrets inside free text: JWTs, scheme credentials, key shapes, secret=value pairs, user:pass@. */
  text(value: string, where: string): string {
    if (value.length < 8) return value;
    let out = value.replace(JWT, (token) => this.jwt(token, where, 'jwt'));
    out = out.replace(SCHEME_VALUE, (match, scheme: string, space: string, credential: string) =>
      credential.startsWith('eyJ') || credential.startsWith('[redacted') || credential.startsWith('redacted-') ? match : `${scheme}${space}${this.secret(credential, where, `${scheme.toLowerCase()} credential`)}`,
    );
    for (const shape of SECRET_SHAPES) out = out.replace(shape, (match) => this.secret(match, where, 'api key'));
    out = out.replace(KEY_VALUE, (match, lead: string, name: string, secret: string) =>
      this.isSecretName(name) && !secret.startsWith('[redacted') && !(/code/i.test(name) && IDENTIFIER.test(secret)) ? `${lead}${name}=${this.secret(secret, where, name)}` : match,
    );
    out = out.replace(ASSIGNMENT, (match, quote: string, name: string, operator: string, open: string, secret: string) =>
      this.isSecretName(name) && !secret.startsWith('[redacted') && !(/code/i.test(name) && IDENTIFIER.test(secret)) ? `${quote}${name}${quote}${operator}${open}${this.secret(secret, where, name)}${open}` : match,
    );
    out = out.replace(HTML_ATTRIBUTE, (match, head: string, name: string, secret: string, close: string) =>
      this.isSecretName(name) && !secret.startsWith('[redacted') ? `${head}${this.secret(secret, where, name)}${close}` : match,
    );
    return out.replace(USERINFO, (_match, scheme: string, user: string, password: string) => `${scheme}${user}:${this.secret(password, where, 'url password')}@`);
  }

  /** A URL: user:password@, secret query and fragment parameters, and tokens anywhere in it. */
  url(value: string, where: string): string {
    const query = value.indexOf('?');
    const hash = value.indexOf('#');
    if (query < 0 && hash < 0) return this.text(value, where);
    const cut = query >= 0 ? query : hash;
    const base = this.text(value.slice(0, cut), where);
    const rest = value.slice(cut);
    return base + rest.replace(/([?&#])([^=&#]*)=([^&#]*)/g, (match, lead: string, name: string, raw: string) => {
      let decoded = raw;
      try {
        decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // keep it encoded
      }
      const redacted = this.named(name, decoded, `${where} query`);
      return redacted === decoded ? match : `${lead}${name}=${encodeURIComponent(redacted).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%3A/g, ':')}`;
    });
  }

  /** A JSON value walked at any depth: members with secret names redacted, strings scanned. */
  json(value: unknown, where: string, depth = 0): unknown {
    // Nesting deeper than any real body is replaced whole rather than left unread.
    if (depth > 64) return this.secret(JSON.stringify(value) ?? '', where, 'nested too deep');
    if (typeof value === 'string') return this.text(value, where);
    if (Array.isArray(value)) return value.map((item) => this.json(item, where, depth + 1));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        if ((typeof member === 'string' || typeof member === 'number') && this.isSecretName(name)) out[name] = this.named(name, String(member), where);
        else out[name] = this.json(member, where, depth + 1);
      }
      return out;
    }
    return value;
  }

  /** A body by its type: JSON walked, forms by parameter, anything else scanned as text. */
  body(text: string, mimeType: string, where: string): string {
    const trimmed = text.trimStart();
    if (/json/i.test(mimeType) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(this.json(JSON.parse(text) as unknown, where));
      } catch {
        // not JSON after all
      }
    }
    if (/x-www-form-urlencoded/i.test(mimeType)) return this.url(`?${text}`, where).slice(1);
    return this.text(text, where);
  }

  /** What was removed, for a manifest: names and counts, never values. */
  manifest(): Array<{ where: string; name: string; count: number }> {
    return [...this.removed].map(([key, count]) => {
      const [where, name] = key.split('|') as [string, string];
      return { where, name, count };
    });
  }
}
