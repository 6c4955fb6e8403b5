/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1, RFC 6750 §3). */
export interface Challenge {
  /** Lower-cased auth scheme, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameters with lower-cased names; quoted values unescaped. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of params. */
  token68?: string;
}

const MAX_HEADER_LENGTH = 16_384;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parse a `WWW-Authenticate` value into its challenges. Several challenges may share one
 * header separated by commas (`Bearer realm="a", Basic realm="b"`), so a comma starts a new
 * challenge only when a scheme follows it rather than `name=`. Malformed tails are dropped,
 * never thrown.
 */
export function parseWwwAuthenticate(value: string): Challenge[] {
  const input = value.slice(0, MAX_HEADER_LENGTH);
  const challenges: Challenge[] = [];
  let rest = input.trim();
  let current: Challenge | null = null;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    if (!rest) break;
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const afterName = rest.slice(name.length);
    const isParam = /^\s*=/.test(afterName) && !/^\s*=+\s*(,|$)/.test(afterName);
    if (isParam && current) {
      rest = afterName.replace(/^\s*=\s*/, '');
      const [paramValue, remaining] = readParamValue(rest);
      current.params[name.toLowerCase()] = paramValue;
      rest = remaining;
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
    rest = afterName.replace(/^[ \t]+/, '');
    // A token68 (`Negotiate YII=`) stands alone after the scheme, ended by a comma or the end.
    const token68 = /^([A-Za-z0-9\-._~+/]+=*)[ \t]*(?:,|$)/.exec(rest);
    if (token68) {
      current.token68 = token68[1];
      rest = rest.slice(token68[1]!.length);
    }
  }
  return challenges;
}

function readParamValue(text: string): [string, string] {
  if (text.startsWith('"')) {
    let value = '';
    for (let index = 1; index < text.length; index += 1) {
      const char = text[index]!;
      if (char === '\\' && index + 1 < text.length) {
        value += text[index + 1];
        index += 1;
      } else if (char === '"') {
        return [value, text.slice(index + 1)];
      } else value += char;
    }
    return [value, ''];
  }
  const token = /^[^,\s]*/.exec(text)?.[0] ?? '';
  return [token, text.slice(token.length)];
}

/** The challenges as a person would read them: `Bearer error="invalid_token"`. */
export function describeChallenge(challenge: Challenge): string {
  const params = Object.entries(challenge.params).map(([name, value]) => `${name}="${value}"`);
  const scheme = challenge.scheme.charAt(0).toUpperCase() + challenge.scheme.slice(1);
  return [scheme, challenge.token68, params.join(', ')].filter(Boolean).join(' ');
}
