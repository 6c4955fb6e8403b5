import { HOST_HEADERS, isCodeOnlyName, isIdentifierValue, isSecretName, URL_HEADERS } from './secret-names.ts';
import {
  findCompactTokens,
  looksRandom,
  PRIVATE_KEY_BLOCK,
  TOKEN_RUN,
  VENDOR_TOKEN,
  WEBHOOK_URL,
} from './secret-shapes.ts';

/**
 * Where the secrets in a piece of free text are: a paste, an error body, an evidence line, a
 * chat message. Each finder reads one structure (a header line, a URL, a curl flag, a
 * name=value pair, a private key, a run of token characters) and proposes a span with its
 * replacement; the outermost span wins where they overlap, so a URL or a header line is
 * handled once, by the rule for what it is.
 *
 * Every expression here is linear: each starts at a literal or a bounded name, repeats one
 * character class with an upper bound, and stops at a character its class excludes.
 */

export interface SecretSpan {
  start: number;
  end: number;
  /** The text that takes the span's place; called only for spans that are kept. */
  replace: () => string;
}

/** What finders need from the redactor: the rules for each kind of value. */
export interface SecretRules {
  secret(value: string, where: string, name: string): string;
  jwt(token: string, where: string, name: string): string;
  credential(value: string, where: string, name: string): string;
  header(name: string, value: string, where: string): string;
  url(value: string, where: string): string;
  form(text: string, where: string): string;
  cookieHeader(value: string, where: string): string;
}

type Finder = (text: string, rules: SecretRules, where: string, spans: SecretSpan[]) => void;

/** A URL with a scheme: `https://…`, `postgres://user:pass@…`, `redis://:pass@…`. */
const URL_IN_TEXT = /(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s"'<>`\\]{1,16384}/g;
/** `Name: value` at the start of a line, after curl's `> `/`< ` or a list marker. */
const HEADER_LINE =
  /^[\t >*<-]{0,8}([A-Za-z][A-Za-z0-9_-]{0,60}|:[a-z]{1,10})[ \t]{0,8}:[ \t]{0,8}([^\r\n]{1,16384})/gm;
/** Credential headers quoted anywhere, not only at a line's start. */
const CREDENTIAL_HEADER =
  /\b(Set-Cookie|Cookie|Authorization|Proxy-Authorization)[ \t]{0,4}:[ \t]{0,4}([^\r\n<>"'`]{1,16384})/gi;
/** curl's credentials: `-u user:pass`, `-H 'Name: value'`, `-b 'a=b'`, `-d 'a=b&c=d'`, `--oauth2-bearer x`. */
const CURL_QUOTED =
  /(?:^|\s)(-H|--header|-b|--cookie|-d|--data|--data-raw|--data-binary|--data-urlencode|-F|--form)[ \t]{1,8}(["'])([^"'\r\n]{1,16384})\2/g;
const CURL_USER = /(?:^|\s)(-u|--user|-U|--proxy-user|--oauth2-bearer)(?:[ \t]{1,8}|=)(["']?)([^\s"']{1,4096})\2/g;
/** An Authorization-style scheme followed by its credential. */
const SCHEME_CREDENTIAL =
  /\b(Bearer|Basic|Digest|Token|token|Negotiate|NTLM|DPoP|ApiKey|SharedAccessSignature|OAuth|MAC)[ \t]{1,8}([A-Za-z0-9\-._~+/:=%]{8,8192})/g;
/** `name=value` in queries, forms, logs and `.env` files. */
const KEY_VALUE = /(?:^|[?&;,\s"'(])([A-Za-z_][A-Za-z0-9_.-]{0,40})=([^&;,\s"'<>]{1,8192})/g;
/** `name: value` or `name = value` unquoted, in logs and YAML. */
const BARE_ASSIGNMENT =
  /(?:^|[\s{,(])([A-Za-z_][A-Za-z0-9_.-]{0,40})[ \t]{0,4}[:=][ \t]{0,4}([^\s"'`,;{}()<>]{3,4096})/g;
/** `password: 'x'`, `"apiKey": "x"`, `token = "x"`: assignments in scripts, configs and JSON text. */
const QUOTED_ASSIGNMENT =
  /(?<![A-Za-z0-9_.-])(["']?)([A-Za-z_][A-Za-z0-9_.-]{0,40})\1[ \t]{0,8}[:=][ \t]{0,8}(["'`])([^"'`\n]{1,16384})\3/g;
/** `<SecretAccessKey>x</SecretAccessKey>` in XML. */
const XML_ELEMENT = /<([A-Za-z_][A-Za-z0-9_.:-]{0,60})(?:\s[^<>]{0,1024})?>([^<]{1,65536})<\/\1>/g;
/** An `<input>` or `<meta>` tag, whose attributes are read one by one. */
const FORM_TAG = /<(input|meta)\b([^<>]{1,65536})>/gi;
const TAG_ATTRIBUTE =
  /(?<![A-Za-z0-9_:.-])([A-Za-z_:][A-Za-z0-9_:.-]{0,60})[ \t\r\n]{0,8}=[ \t\r\n]{0,8}(?:"([^"]{0,65536})"|'([^']{0,65536})'|([^\s"'=<>`]{1,4096}))/g;
/** `user:password@host` without a scheme (a Host header, a git remote). */
const BARE_USERINFO =
  /(?<![\w/:.%-])([A-Za-z0-9._%-]{1,64}):([^\s@/:]{1,256})@([A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})\b/g;

/** Input types whose value a person typed or a page carries (not a button's label). */
const VALUE_INPUTS = /^(?:hidden|password|text|email|tel|number|search|url)?$/i;

const findPrivateKeys: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(PRIVATE_KEY_BLOCK)) {
    spans.push({
      start: match.index,
      end: match.index + match[0].length,
      replace: () => rules.secret(match[0], where, 'private key'),
    });
  }
};

const findWebhookUrls: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(WEBHOOK_URL)) {
    const pathStart = match[0].indexOf('/', match[0].indexOf('//') + 2);
    spans.push({
      start: match.index,
      end: match.index + match[0].length,
      replace: () => `${match[0].slice(0, pathStart)}/${rules.secret(match[0].slice(pathStart), where, 'webhook url')}`,
    });
  }
};

const findUrls: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0];
    spans.push({ start: match.index, end: match.index + url.length, replace: () => rules.url(url, where) });
  }
};

/** Whether a `Name:` at a line's start is an HTTP header rather than a word before a colon in prose. */
function isHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  // `TokenExpiredError: jwt expired` names an exception, not a header.
  if (/(?:error|exception|failure|warning)$/.test(lower)) return false;
  return (
    name.includes('-') ||
    name.startsWith(':') ||
    isSecretName(name) ||
    lower === 'cookie' ||
    lower === 'authorization' ||
    URL_HEADERS.has(lower) ||
    HOST_HEADERS.has(lower)
  );
}

const findHeaderLines: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(HEADER_LINE)) {
    const name = match[1]!;
    if (!isHeaderName(name)) continue;
    const value = match[2]!;
    const start = match.index + match[0].length - value.length;
    spans.push({ start, end: start + value.length, replace: () => rules.header(name, value, where) });
  }
  for (const match of text.matchAll(CREDENTIAL_HEADER)) {
    const value = match[2]!;
    const start = match.index + match[0].length - value.length;
    spans.push({ start, end: start + value.length, replace: () => rules.header(match[1]!, value, where) });
  }
};

const findCurlCredentials: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(CURL_QUOTED)) {
    const [, flag, , value] = match as unknown as [string, string, string, string];
    const start = match.index + match[0].length - value.length - 1;
    const replace = (): string => {
      if (flag === '-H' || flag === '--header') {
        const colon = value.indexOf(':');
        return colon < 0
          ? value
          : `${value.slice(0, colon + 1)}${rules.header(value.slice(0, colon).trim(), value.slice(colon + 1), where).replace(/^(?!\s)/, ' ')}`;
      }
      if (flag === '-b' || flag === '--cookie') return rules.cookieHeader(value, where);
      if (value.trimStart().startsWith('{') || !value.includes('=')) return value;
      return rules.form(value, where);
    };
    spans.push({ start, end: start + value.length, replace });
  }
  for (const match of text.matchAll(CURL_USER)) {
    const [, flag, , value] = match as unknown as [string, string, string, string];
    const start = match.index + match[0].length - value.length - match[2]!.length;
    const colon = value.indexOf(':');
    const replace = (): string =>
      flag === '--oauth2-bearer' || colon < 0
        ? rules.secret(value, where, `curl ${flag}`)
        : `${value.slice(0, colon)}:${rules.secret(value.slice(colon + 1), where, `curl ${flag} password`)}`;
    spans.push({ start, end: start + value.length, replace });
  }
};

const findSchemeCredentials: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(SCHEME_CREDENTIAL)) {
    const [, scheme, credential] = match as unknown as [string, string, string];
    // "Bearer authentication", "token expired": a word after the scheme is prose, not a credential.
    if (/^[a-z]+$/.test(credential) || credential.startsWith('[redacted')) continue;
    const start = match.index + match[0].length - credential.length;
    spans.push({
      start,
      end: start + credential.length,
      replace: () =>
        credential.startsWith('eyJ')
          ? rules.credential(credential, where, `${scheme.toLowerCase()} credential`)
          : rules.secret(credential, where, `${scheme.toLowerCase()} credential`),
    });
  }
};

const findVendorTokens: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(VENDOR_TOKEN)) {
    spans.push({
      start: match.index,
      end: match.index + match[0].length,
      replace: () => rules.secret(match[0], where, 'key shape'),
    });
  }
};

/** A value under a secret-sounding name, except a code that is an identifier (`error_code=invalid_grant`). */
function isNamedSecret(name: string, value: string): boolean {
  if (!isSecretName(name) || value.startsWith('[redacted')) return false;
  return !(isCodeOnlyName(name) && isIdentifierValue(value));
}

const findNamedValues: Finder = (text, rules, where, spans) => {
  const add = (name: string, value: string, end: number): void => {
    if (!isNamedSecret(name, value)) return;
    spans.push({ start: end - value.length, end, replace: () => rules.credential(value, where, name) });
  };
  const equals = text.includes('=');
  if (!equals && !text.includes(':') && !text.includes('</')) return;
  if (equals) for (const match of text.matchAll(KEY_VALUE)) add(match[1]!, match[2]!, match.index + match[0].length);
  for (const match of text.matchAll(BARE_ASSIGNMENT)) add(match[1]!, match[2]!, match.index + match[0].length);
  for (const match of text.matchAll(QUOTED_ASSIGNMENT)) add(match[2]!, match[4]!, match.index + match[0].length - 1);
  if (text.includes('</'))
    for (const match of text.matchAll(XML_ELEMENT)) {
      const content = match[2]!;
      if (!isNamedSecret(match[1]!.replace(/^.*:/, ''), content.trim())) continue;
      const start = match.index + match[0].length - match[1]!.length - 3 - content.length;
      spans.push({ start, end: start + content.length, replace: () => rules.secret(content, where, match[1]!) });
    }
};

const findFormFields: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(FORM_TAG)) {
    const tag = match[1]!.toLowerCase();
    const attributes = match[2]!;
    const offset = match.index + 1 + match[1]!.length;
    const values = new Map<string, { value: string; start: number }>();
    for (const attribute of attributes.matchAll(TAG_ATTRIBUTE)) {
      const value = attribute[2] ?? attribute[3] ?? attribute[4] ?? '';
      const quoted = attribute[2] !== undefined || attribute[3] !== undefined;
      values.set(attribute[1]!.toLowerCase(), {
        value,
        start: offset + attribute.index + attribute[0].length - value.length - (quoted ? 1 : 0),
      });
    }
    const name = values.get('name')?.value ?? values.get('id')?.value ?? values.get('property')?.value ?? '';
    const carried = tag === 'input' ? values.get('value') : values.get('content');
    if (!carried || carried.value.length === 0) continue;
    // An input's value is what the page posts (SAMLResponse, a CSRF token); a meta tag's only when its name says so.
    const secret =
      tag === 'input'
        ? VALUE_INPUTS.test(values.get('type')?.value ?? '') &&
          !/^(?:submit|button|reset)$/i.test(name) &&
          carried.value.length > 3
        : isSecretName(name);
    if (!secret) continue;
    spans.push({
      start: carried.start,
      end: carried.start + carried.value.length,
      replace: () => rules.secret(carried.value, where, `${tag} ${name || 'value'}`),
    });
  }
};

const findBareUserinfo: Finder = (text, rules, where, spans) => {
  for (const match of text.matchAll(BARE_USERINFO)) {
    const password = match[2]!;
    if (password.startsWith('[redacted')) continue;
    const start = match.index + match[1]!.length + 1;
    spans.push({
      start,
      end: start + password.length,
      replace: () => rules.secret(password, where, 'password before @'),
    });
  }
};

/** JWTs, JWEs and generated-looking runs; data: URIs (inline images and fonts) are content, not secrets. */
function findTokenRuns(entropy: boolean): Finder {
  return (text, rules, where, spans) => {
    for (const match of text.matchAll(TOKEN_RUN)) {
      const run = match[0];
      if (run.includes('eyJ')) {
        for (const token of findCompactTokens(run)) {
          const value = run.slice(token.start, token.end);
          const replace =
            token.kind === 'jwt'
              ? () => rules.jwt(value, where, 'jwt')
              : () =>
                  `${value.slice(0, value.indexOf('.'))}.${rules.secret(value.slice(value.indexOf('.') + 1), where, 'encrypted jwt')}`;
          spans.push({ start: match.index + token.start, end: match.index + token.end, replace });
        }
      }
      if (!entropy || text.slice(Math.max(0, match.index - 8), match.index) === ';base64,') continue;
      // A path (`/reset-password/<token>`) is read segment by segment, as in a URL.
      if (isPath(run)) {
        spans.push({ start: match.index, end: match.index + run.length, replace: () => rules.url(run, where) });
        continue;
      }
      let offset = 0;
      for (const piece of run.split('.')) {
        if (!piece.startsWith('eyJ') && looksRandom(piece)) {
          const start = match.index + offset;
          spans.push({
            start,
            end: start + piece.length,
            replace: () => rules.secret(piece, where, 'random-looking value'),
          });
        }
        offset += piece.length + 1;
      }
    }
  };
}

/** A run with slashes between words is a path, not a base64 value that happens to hold a slash. */
function isPath(run: string): boolean {
  return run.includes('/') && run.split('/').some((piece) => piece.length >= 3 && /^[a-z_.-]+$/.test(piece));
}

/** A finder runs only on text holding the one character (or word) its structure cannot do without. */
function needs(needle: string, finder: Finder): Finder {
  return (text, rules, where, spans) => {
    if (text.includes(needle)) finder(text, rules, where, spans);
  };
}

const FINDERS: Finder[] = [
  needs('-----BEGIN', findPrivateKeys),
  needs('://', findWebhookUrls),
  needs(':', findHeaderLines),
  needs('-', findCurlCredentials),
  needs('://', findUrls),
  findSchemeCredentials,
  findVendorTokens,
  findNamedValues,
  needs('<', findFormFields),
  needs('@', findBareUserinfo),
];
const WITH_ENTROPY = findTokenRuns(true);
const WITHOUT_ENTROPY = findTokenRuns(false);

/**
 * Every secret span in the text, outermost first, without overlaps. A span that starts inside
 * one already taken and runs past its end has its remainder redacted whole, so nothing that a
 * finder marked is ever left partly visible.
 */
export function findSecrets(
  text: string,
  rules: SecretRules,
  where: string,
  options: { entropy?: boolean } = {},
): SecretSpan[] {
  const candidates: SecretSpan[] = [];
  for (const finder of FINDERS) finder(text, rules, where, candidates);
  (options.entropy === false ? WITHOUT_ENTROPY : WITH_ENTROPY)(text, rules, where, candidates);
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: SecretSpan[] = [];
  let reached = 0;
  for (const span of candidates) {
    if (span.start >= reached) {
      kept.push(span);
      reached = span.end;
    } else if (span.end > reached) {
      const rest = text.slice(reached, span.end);
      kept.push({ start: reached, end: span.end, replace: () => rules.secret(rest, where, 'overlapping secret') });
      reached = span.end;
    }
  }
  return kept;
}

/** The text with every span replaced. */
export function replaceSpans(text: string, spans: SecretSpan[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + span.replace();
    at = span.end;
  }
  return out + text.slice(at);
}
