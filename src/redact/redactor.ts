import { toHex } from '../text/hex.ts';
import { findSecrets, replaceSpans, type SecretRules } from './find-secrets.ts';
import {
  HOST_HEADERS,
  isCodeOnlyName,
  isHarmlessHeader,
  isIdentifierValue,
  isMessageHeader,
  isSecretName,
  isTrivialValue,
  URL_HEADERS,
} from './secret-names.ts';
import { hmacSha256 } from './sha256.ts';
import { JWT_WHOLE, redactHost, redactParam, redactParams, redactUrl } from './url-secrets.ts';

/**
 * The one redaction module. Every secret fixpath shows, logs, returns or writes into a
 * sanitized capture passes through a Redactor, which replaces it with a marker made of a keyed
 * hash: equal secrets get equal markers within one request ("the same token as entry 12"), and
 * nobody without the key can test a guess against a marker.
 *
 * Redaction is decided by where a value sits, not by a list of names: every cookie, every value
 * of a header that is not known to be harmless, every query, fragment and form value except a
 * short list of harmless parameters, URL path segments that look like tokens. Names and shapes
 * only add to that, in the places that must stay readable (JSON bodies, free text).
 */

const encoder = new TextEncoder();
/** Free text nested inside free text (a header line inside a header value) is read this deep. */
const MAX_TEXT_DEPTH = 4;

export interface Redaction {
  where: string;
  name: string;
}

export class Redactor implements SecretRules {
  /** Drawn when the first secret is tagged: a request with none draws nothing (nor may a Worker's start-up). */
  private key?: Uint8Array;
  private readonly tags = new Map<string, string>();
  private textDepth = 0;
  /** What was removed: "where|name" → count. Names and counts only, never values. */
  readonly removed = new Map<string, number>();

  constructor(key?: Uint8Array) {
    this.key = key;
  }

  /** The marker's tag for a secret: 8 hex characters of a keyed hash, equal for equal secrets. */
  tag(secret: string): string {
    let tag = this.tags.get(secret);
    if (tag === undefined) {
      this.key ??= crypto.getRandomValues(new Uint8Array(32));
      tag = toHex(hmacSha256(this.key, encoder.encode(secret)).subarray(0, 4));
      if (this.tags.size < 100_000) this.tags.set(secret, tag);
    }
    return tag;
  }

  /** Count a removal for the manifest (names and counts only). */
  note(where: string, name: string): void {
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
    const match = /^(\s{0,16})([A-Za-z][A-Za-z0-9-]{0,30})(\s{1,16})([\s\S]+)$/.exec(value);
    if (
      match &&
      /^(bearer|basic|digest|token|hmac|aws4-hmac-sha256|negotiate|ntlm|dpop|apikey|signature|key|sharedaccesssignature|oauth|mac)$/i.test(
        match[2]!,
      )
    ) {
      return `${match[1]}${match[2]}${match[3]}${this.credentialValue(match[4]!, where, name)}`;
    }
    return this.credentialValue(value, where, name);
  }

  private credentialValue(value: string, where: string, name: string): string {
    const trimmed = value.trim();
    if (JWT_WHOLE.test(trimmed)) return value.replace(trimmed, this.jwt(trimmed, where, name));
    return this.secret(value, where, name);
  }

  /** `a=1; b=2` → every value redacted, names kept: a cookie is a credential whatever its name. */
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

  /**
   * `sid=abc; Path=/; SameSite=None` → the value redacted, the attributes kept (they are
   * evidence). Several cookies joined by newlines (how Chromium's DevTools protocol reports
   * them) are each read.
   */
  setCookie(value: string, where: string): string {
    return value
      .split('\n')
      .map((line) => {
        const semicolon = line.indexOf(';');
        const pair = semicolon < 0 ? line : line.slice(0, semicolon);
        const rest = semicolon < 0 ? '' : line.slice(semicolon);
        const equals = pair.indexOf('=');
        if (equals < 0) return line;
        return `${pair.slice(0, equals)}=${this.secret(pair.slice(equals + 1), where, `cookie ${pair.slice(0, equals).trim()}`)}${rest}`;
      })
      .join('\n');
  }

  /**
   * A header's value, by what the header is: credentials and cookies always, URLs and hosts
   * as URLs, known-harmless headers kept (still scanned for key shapes), a custom header's
   * value removed unless it is plain words or a number.
   */
  header(name: string, value: string, where: string): string {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') return this.credential(value, where, name);
    if (lower === 'cookie') return this.cookieHeader(value, where);
    if (lower === 'set-cookie') return this.setCookie(value, where);
    if (URL_HEADERS.has(lower)) return this.url(value, where);
    if (HOST_HEADERS.has(lower)) return this.host(value, where);
    if (isSecretName(name)) return this.credential(value, where, name);
    if (isHarmlessHeader(name)) return this.text(value, where, { entropy: false });
    if (isMessageHeader(name) || isTrivialValue(value) || isProse(value)) return this.text(value, where);
    return this.secret(value, where, name);
  }

  /** A named value (parameter, JSON member): secret by name, or scanned for secrets by shape. */
  named(name: string, value: string, where: string): string {
    if (/^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name)) return this.header(name, value, where);
    if (isSecretName(name)) {
      if (isCodeOnlyName(name) && isIdentifierValue(value)) return value;
      return this.credential(value, where, name);
    }
    return this.text(value, where);
  }

  /** Secrets inside free text, each found by the structure that holds it (see find-secrets.ts). */
  text(value: string, where: string, options: { entropy?: boolean } = {}): string {
    if (value.length < 8) return value;
    if (this.textDepth >= MAX_TEXT_DEPTH) return this.secret(value, where, 'nested text');
    this.textDepth += 1;
    try {
      return replaceSpans(value, findSecrets(value, this, where, options));
    } finally {
      this.textDepth -= 1;
    }
  }

  /** `user:password@host:port` as a Host header carries it: the credential goes, the host stays. */
  host(value: string, where: string): string {
    return redactHost(this, value, where);
  }

  /** A URL, part by part (see url-secrets.ts). */
  url(value: string, where: string, depth = 0): string {
    return redactUrl(this, value, where, depth);
  }

  /** One query, fragment or form parameter, decoded (see url-secrets.ts). */
  param(name: string, value: string, where: string, depth = 0): string {
    return redactParam(this, name, value, where, depth);
  }

  /** An `application/x-www-form-urlencoded` body: the same rule as a query. */
  form(text: string, where: string): string {
    return redactParams(this, text, where, 0);
  }

  /**
   * A `multipart/form-data` body: every field's value removed except harmless names; a file's
   * content is read by its own type.
   */
  multipart(text: string, mimeType: string, where: string): string {
    const boundary = /boundary="?([^";\s]{1,70})"?/i.exec(mimeType)?.[1] ?? /^--([^\s]{1,70})\r?\n/.exec(text)?.[1];
    if (!boundary) return this.text(text, where);
    const delimiter = `--${boundary}`;
    const pieces = text.split(delimiter);
    return pieces
      .map((piece, index) => {
        if (index === 0 || piece.startsWith('--')) return piece;
        const headerEnd = piece.search(/\r?\n\r?\n/);
        if (headerEnd < 0) return this.text(piece, where);
        const separator = /\r?\n\r?\n/.exec(piece.slice(headerEnd))![0];
        const head = piece.slice(0, headerEnd);
        const content = piece.slice(headerEnd + separator.length);
        const trailing = /\r?\n$/.exec(content)?.[0] ?? '';
        const data = content.slice(0, content.length - trailing.length);
        const name = /\bname="([^"]{0,200})"/i.exec(head)?.[1] ?? '';
        const filename = /\bfilename="([^"]{0,200})"/i.exec(head)?.[1];
        const type = /content-type:[ \t]{0,8}([^\r\n;]{1,100})/i.exec(head)?.[1] ?? '';
        let cleaned: string;
        if (filename !== undefined) cleaned = this.body(data, type, `${where} file ${name}`);
        else cleaned = this.param(name || 'unnamed', data, `${where} field`);
        return `${head}${separator}${cleaned}${trailing}`;
      })
      .join(delimiter);
  }

  /**
   * A JSON value walked at any depth: members with secret names redacted, with everything
   * under them when they hold an array or object (`{"refresh_tokens": […]}`), strings scanned.
   */
  json(value: unknown, where: string, depth = 0): unknown {
    // Nesting deeper than any real body is replaced whole rather than left unread.
    if (depth > 64) return this.secret(JSON.stringify(value) ?? '', where, 'nested too deep');
    if (typeof value === 'string') return this.text(value, where);
    if (Array.isArray(value)) return value.map((item) => this.json(item, where, depth + 1));
    if (typeof value === 'object' && value !== null) {
      // No prototype: a member named __proto__ stays a member.
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [name, member] of Object.entries(value as Record<string, unknown>))
        out[name] = this.member(name, member, where, depth + 1);
      return out;
    }
    return value;
  }

  /** One named JSON member (or a custom field of a capture): by its name first, then by what it holds. */
  member(name: string, member: unknown, where: string, depth = 0): unknown {
    if (typeof member === 'string' || typeof member === 'number') {
      const cleaned = this.named(name, String(member), where);
      return cleaned === String(member) ? member : cleaned;
    }
    if (member !== null && typeof member === 'object' && isSecretName(name))
      return this.secretTree(member, where, name, depth);
    return this.json(member, where, depth);
  }

  /** Everything under a secret-named member: every string and number leaf is a secret. */
  private secretTree(value: unknown, where: string, name: string, depth: number): unknown {
    if (depth > 64) return this.secret(JSON.stringify(value) ?? '', where, 'nested too deep');
    if (typeof value === 'string' || typeof value === 'number')
      return isTrivialValue(String(value)) ? value : this.credential(String(value), where, name);
    if (Array.isArray(value)) return value.map((item) => this.secretTree(item, where, name, depth + 1));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, member]) => [key, this.secretTree(member, where, name, depth + 1)]),
      );
    }
    return value;
  }

  /** A body by its type: JSON walked, forms and multipart by field, anything else scanned as text. */
  body(text: string, mimeType: string, where: string): string {
    const trimmed = text.trimStart();
    if (/json/i.test(mimeType) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(this.json(JSON.parse(text) as unknown, where));
      } catch {
        // not JSON after all
      }
    }
    if (/x-www-form-urlencoded/i.test(mimeType)) return this.form(text, where);
    if (/multipart\/form-data/i.test(mimeType) || /^--[^\s]{1,70}\r?\nContent-Disposition:/i.test(trimmed))
      return this.multipart(text, mimeType, where);
    return this.text(text, where);
  }

  /** What was removed, for a manifest: names and counts, never values. */
  manifest(): Array<{ where: string; name: string; count: number }> {
    return [...this.removed].map(([key, count]) => {
      const bar = key.indexOf('|');
      return { where: key.slice(0, bar), name: key.slice(bar + 1), count };
    });
  }
}

/** Plain words with spaces (`The token expired`): a message, not a credential. */
function isProse(value: string): boolean {
  const trimmed = value.trim();
  return /\s/.test(trimmed) && trimmed.split(/\s+/).every((word) => word.length < 24);
}
