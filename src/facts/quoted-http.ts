import type { Redactor } from '../redact/redactor.ts';
import { readCredentials } from './credentials.ts';
import { readChallenges, readRateLimit } from './response-header-facts.ts';
import { MAX_BODY_SCAN } from './scan-limits.ts';
import type { Fact, FactSet } from './types.ts';

/*
 * Headers and URLs quoted inside free text ("we get 401 with `WWW-Authenticate: Bearer
 * realm="api"`", "responses include Retry-After: 30", "it calls /orders?access_token=…") are
 * read as if they had been pasted on their own.
 */

/** Rate-limit headers quoted in text: `Retry-After: 30`, `x-ratelimit-remaining=0`. */
const QUOTED_RATE_HEADER =
  /\b(x-ratelimit-remaining|ratelimit-remaining|retry-after)[ \t]{0,8}[:=][ \t]{0,8}([\w.-]{1,40})/gi;

/** A challenge quoted without `WWW-Authenticate:` before it: a scheme and its realm. */
const BARE_CHALLENGE =
  /(?<!WWW-Authenticate\s{0,4}:\s{0,4})\b(?:Bearer|Basic|Digest|Negotiate) realm="[^"\n]{1,200}"/gi;

/** `Authorization: …` and its look-alikes, quoted with a colon: the name and the value's first one or two words. */
const QUOTED_CREDENTIAL_HEADER =
  /(?<![\w-])(Authorization|Authentication|Authorisation|X-Authorization)["']?[ \t]{0,4}:[ \t]{0,4}["'`]?([^\s"'`]{1,300}(?:[ \t][^\s"'`]{1,300})?)/g;

/** "Bearer abc)," → "Bearer abc": the punctuation that closes the sentence or the code around a quoted value. */
function withoutTrailingPunctuation(value: string): string {
  let end = value.length;
  while (end > 0 && ',;)}]'.includes(value[end - 1]!)) end -= 1;
  return value.slice(0, end);
}

export function readQuotedHttp(text: string, set: FactSet, redactor: Redactor): void {
  const add = (fact: Fact): void => {
    set.facts.push(fact);
  };
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(/WWW-Authenticate\s*:\s*([^\n`]{1,500})/gi))
    readChallenges(match[1]!, set, add, redactor);
  // Clients print the server's challenge without the header's name (npm's "Unable to
  // authenticate, need: Bearer realm=…"); it says the same as the header would.
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(BARE_CHALLENGE))
    readChallenges(match[0], set, add, redactor);
  // A request header quoted in a report or in pasted code ("Authorization: JWT eyJ…",
  // `Authentication: Bearer …`) is judged by its scheme and its name, as the header itself
  // would be; not by its spacing or shape, since prose runs on after the value.
  const headers = [...text.slice(0, MAX_BODY_SCAN).matchAll(QUOTED_CREDENTIAL_HEADER)]
    .slice(0, 5)
    .map((match) => ({ name: match[1]!, value: withoutTrailingPunctuation(match[2]!) }));
  if (headers.length > 0) {
    for (const fact of readCredentials({ method: 'GET', url: '', headers }, redactor).facts) {
      if (fact.id === 'auth.scheme-missing' || fact.id === 'auth.header-misnamed')
        add({ ...fact, source: 'text', detail: `quoted in the report: ${fact.detail}` });
    }
  }
  const quoted = new Map<string, string>();
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(QUOTED_RATE_HEADER)) {
    const name = match[1]!.toLowerCase();
    if (!quoted.has(name)) quoted.set(name, match[2]!);
    if (name === 'x-ratelimit-remaining' && !quoted.has('ratelimit-remaining'))
      quoted.set('ratelimit-remaining', match[2]!);
  }
  readRateLimit(
    quoted.get('x-ratelimit-remaining') ?? quoted.get('ratelimit-remaining'),
    quoted.get('retry-after'),
    add,
  );
  for (const match of text.slice(0, MAX_BODY_SCAN).matchAll(/[?&](access_token|id_token|token)=[^&\s]+/gi)) {
    add({
      id: 'auth.token-in-query',
      source: 'text',
      detail: `the token travels in the query string (${match[1]}=…), where many APIs do not read it`,
    });
    break;
  }
}
