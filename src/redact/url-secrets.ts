import { encodeComponent } from '../text/well-formed.ts';
import { isCodeOnlyName, isHarmlessParam, isIdentifierValue, isTrivialValue, URL_PARAMS } from './secret-names.ts';
import { findCompactTokens, hasVendorToken, looksRandom } from './secret-shapes.ts';

/**
 * Secrets in a URL, by the part that holds them: `user:password@`, every query and fragment
 * value except harmless parameters, path segments that are tokens or follow a word announcing
 * one (`/reset-password/<token>`), matrix parameters, and the whole path of a webhook URL.
 */

/** What URL redaction needs from the redactor. */
export interface UrlRules {
  secret(value: string, where: string, name: string): string;
  jwt(token: string, where: string, name: string): string;
  text(value: string, where: string): string;
}

/** A URL inside a parameter inside a URL is read this deep. */
const MAX_URL_DEPTH = 3;
/** Path segments after these say the next one is a credential (`/reset-password/<token>`). */
const SECRET_PATH_MARKERS =
  /^(?:reset|reset[-_]?password|password[-_]?reset|forgot[-_]?password|verify|verification|verify[-_]?email|confirm|confirmation|confirm[-_]?email|activate|activation|invite|invites|invitation|invitations|magic|magic[-_]?link|login[-_]?link|sign[-_]?in[-_]?link|token|tokens|webhook|webhooks|hooks|unsubscribe|share|shared|download[-_]?token|sso|saml|callback[-_]?token)$/i;
/** Hosts whose whole path is the credential. */
const WEBHOOK_HOSTS =
  /^(?:hooks\.slack\.com|(?:canary\.|ptb\.)?discord(?:app)?\.com|[a-z0-9-]{1,63}\.webhook\.office\.com|outlook\.office\.com)$/i;
export const JWT_WHOLE = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `user:password@host:port` as a Host header carries it: the credential goes, the host stays. */
export function redactHost(rules: UrlRules, value: string, where: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  return `${redactUserinfo(rules, value.slice(0, at), where)}@${value.slice(at + 1)}`;
}

function redactUserinfo(rules: UrlRules, userinfo: string, where: string): string {
  const colon = userinfo.indexOf(':');
  if (colon >= 0)
    return `${userinfo.slice(0, colon)}:${rules.secret(userinfo.slice(colon + 1), where, 'url password')}`;
  // A user name alone is kept unless it is a token (`https://ghp_…@github.com`).
  return isTokenLike(userinfo) ? rules.secret(userinfo, where, 'url credential') : userinfo;
}

/**
 * A URL: user:password@, every query and fragment value except harmless parameters, path
 * segments that are tokens or follow a word that announces one, and the whole path of a
 * webhook URL.
 */
export function redactUrl(rules: UrlRules, value: string, where: string, depth = 0): string {
  const hash = value.indexOf('#');
  const beforeHash = hash < 0 ? value : value.slice(0, hash);
  const query = beforeHash.indexOf('?');
  const base = query < 0 ? beforeHash : beforeHash.slice(0, query);
  let out = redactUrlBase(rules, base, where);
  if (query >= 0) out += `?${redactParams(rules, beforeHash.slice(query + 1), `${where} query`, depth)}`;
  if (hash >= 0) {
    const fragment = value.slice(hash + 1);
    out += `#${fragment.includes('=') ? redactParams(rules, fragment, `${where} fragment`, depth) : redactPathSegment(rules, fragment, '', `${where} fragment`)}`;
  }
  return out;
}

function redactUrlBase(rules: UrlRules, base: string, where: string): string {
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]{0,30}:\/\//.exec(base)?.[0] ?? '';
  let rest = base.slice(scheme.length);
  let authority = '';
  if (scheme) {
    const slash = rest.indexOf('/');
    authority = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    authority = redactHost(rules, authority, `${where} userinfo`);
  }
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const segments = rest.split('/');
  if (WEBHOOK_HOSTS.test(host.replace(/:\d+$/, '')) && rest.length > 1) {
    return `${scheme}${authority}/${rules.secret(rest.slice(1), `${where} path`, 'webhook url')}`;
  }
  let afterMarker = false;
  const cleaned = segments.map((segment, index) => {
    const out = redactPathSegment(rules, segment, afterMarker ? 'marked' : '', `${where} path`);
    afterMarker = afterMarker || (index > 0 && SECRET_PATH_MARKERS.test(segment));
    return out;
  });
  return `${scheme}${authority}${cleaned.join('/')}`;
}

/** One path segment (or a fragment without parameters): a token by shape, or any long value after a marker word. */
function redactPathSegment(rules: UrlRules, segment: string, context: 'marked' | '', where: string): string {
  if (segment.length < 8) return segment;
  // `/items;jsessionid=…`: matrix parameters follow the rule for parameters.
  const semicolon = segment.indexOf(';');
  if (semicolon >= 0 && segment.includes('=', semicolon)) {
    return `${redactPathSegment(rules, segment.slice(0, semicolon), context, where)};${segment
      .slice(semicolon + 1)
      .split(';')
      .map((pair) => {
        const equals = pair.indexOf('=');
        return equals < 0
          ? pair
          : `${pair.slice(0, equals)}=${encodeKeepingMarkers(redactParam(rules, safeDecode(pair.slice(0, equals)), safeDecode(pair.slice(equals + 1)), where))}`;
      })
      .join(';')}`;
  }
  const decoded = safeDecode(segment);
  if (context === 'marked' && (decoded.length >= 16 || (/\d/.test(decoded) && /[A-Za-z]/.test(decoded))))
    return rules.secret(segment, where, 'token in path');
  if (/^eyJ/.test(decoded) && findCompactTokens(decoded).length > 0)
    return rules.secret(segment, where, 'token in path');
  if (hasVendorToken(decoded)) return rules.secret(segment, where, 'key shape in path');
  if (decoded.split('.').some((piece) => looksRandom(piece)))
    return rules.secret(segment, where, 'random-looking path segment');
  return segment;
}

/** `a=1&b=2`: each pair by the rule for one parameter, its encoding kept where nothing was removed. */
export function redactParams(rules: UrlRules, text: string, where: string, depth: number): string {
  return text
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return redactPathSegment(rules, pair, '', where);
      const rawName = pair.slice(0, equals);
      const decoded = safeDecode(pair.slice(equals + 1).replace(/\+/g, ' '));
      const cleaned = redactParam(rules, safeDecode(rawName), decoded, where, depth);
      return cleaned === decoded ? pair : `${rawName}=${encodeKeepingMarkers(cleaned)}`;
    })
    .join('&');
}

/**
 * One query, fragment or form parameter, decoded: removed unless its name is harmless (then
 * still scanned, and read as a URL where it holds one) or its value is trivial.
 */
export function redactParam(rules: UrlRules, name: string, value: string, where: string, depth = 0): string {
  if (!value) return value;
  if (isHarmlessParam(name))
    return URL_PARAMS.has(name.toLowerCase()) && depth < MAX_URL_DEPTH
      ? redactUrl(rules, value, where, depth + 1)
      : rules.text(value, where);
  if (isTrivialValue(value) || (isCodeOnlyName(name) && isIdentifierValue(value) && /error|status/i.test(name)))
    return value;
  return JWT_WHOLE.test(value.trim()) ? rules.jwt(value.trim(), where, name) : rules.secret(value, where, name);
}

/** A value that reads as a token rather than a name: a key shape or a generated-looking run. */
function isTokenLike(value: string): boolean {
  return hasVendorToken(value) || looksRandom(value) || value.length >= 32;
}

/** decodeURIComponent that keeps the text as it is when it is not valid percent-encoding. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Percent-encode a cleaned value, leaving markers readable. A lone surrogate (which
 * encodeURIComponent refuses) becomes U+FFFD first.
 */
function encodeKeepingMarkers(text: string): string {
  return encodeComponent(text).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%3A/g, ':');
}
