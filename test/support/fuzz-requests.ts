import { encodeComponent } from '../../src/text/well-formed.ts';
import { seededRandom } from './seeded-random.ts';

/**
 * Seeded generator of hostile requests for every route: odd JSON shapes where objects are
 * expected, names that reach into prototypes (`constructor`, `__proto__`, `toString`), lone
 * UTF-16 surrogates next to tokens, broken multipart bodies, HAR skeletons with one field
 * mutated, numbers where strings go and strings where numbers go. The same seed gives the same
 * requests, so a failure can be replayed.
 */

export interface FuzzRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const PROTOTYPE_NAMES = [
  'constructor',
  '__proto__',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];
const STRINGS = [
  '',
  ' ',
  'constructor',
  '__proto__',
  'toString',
  '401',
  'token expired',
  'invalid_token',
  '\uD800',
  '\uDC00abc',
  'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.\uD800sig',
  'Bearer \uDFFF',
  'https://api.example.com/x?access_token=abc\uD800def#id_token=x',
  '%E0%A4%A',
  '%ZZ',
  'a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
  '<input name="SAMLResponse" value="',
  '-----BEGIN PRIVATE KEY-----',
  '\u0000\u0001\u0002',
  '😀'.repeat(3),
  'Set-Cookie: a=b\nCookie: c',
  'curl -u a:b -H "X: y"',
  'redis://:@',
  '://@:',
  '[redacted:00000000]',
  'x'.repeat(300),
];
const NUMBERS = [0, -1, 1.5, 401, 1e308, -0, 2 ** 53, 999_999_999];

/** Header values travel as bytes: anything past Latin-1 becomes '?', as a client would have to send it. */
const latin1 = (text: string): string => text.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');

export function fuzzRequests(seed: number, count: number): FuzzRequest[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number): boolean => next() < p;

  const string = (): string => {
    if (chance(0.15)) return pick(PROTOTYPE_NAMES);
    if (chance(0.2))
      return String.fromCharCode(
        ...Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * 0xffff)),
      );
    return pick(STRINGS);
  };
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth > 3 || roll < 0.3) return string();
    if (roll < 0.45) return pick(NUMBERS);
    if (roll < 0.52) return pick([true, false, null]);
    if (roll < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const object: Record<string, unknown> = {};
    for (let index = Math.floor(next() * 4); index > 0; index -= 1)
      object[chance(0.3) ? pick(PROTOTYPE_NAMES) : string()] = value(depth + 1);
    return object;
  };
  const header = (): unknown =>
    chance(0.7)
      ? {
          name: chance(0.2)
            ? value(3)
            : pick([
                'Authorization',
                'Cookie',
                'Set-Cookie',
                'WWW-Authenticate',
                'Location',
                'constructor',
                'X-Acme-Hmac',
                string(),
              ]),
          value: chance(0.2) ? value(3) : string(),
        }
      : value(2);
  const harEntry = (): unknown => {
    const entry: Record<string, unknown> = {
      startedDateTime: chance(0.8) ? '2026-03-08T14:20:00Z' : value(2),
      time: chance(0.8) ? 10 : value(2),
      request: {
        method: chance(0.8) ? 'GET' : value(2),
        url: chance(0.8)
          ? pick(['https://api.example.com/v1/me', 'https://a.example/?token=\uD800x', 'not a url', string()])
          : value(2),
        httpVersion: 'HTTP/1.1',
        headers: chance(0.8) ? Array.from({ length: Math.floor(next() * 4) }, header) : value(2),
        queryString: chance(0.8) ? [] : value(2),
        cookies: chance(0.8) ? [] : value(2),
        headersSize: -1,
        bodySize: -1,
        ...(chance(0.3)
          ? {
              postData: {
                mimeType: pick([
                  'application/json',
                  'application/x-www-form-urlencoded',
                  'multipart/form-data; boundary=x',
                  string(),
                ]),
                text: string(),
                params: chance(0.5) ? [{ name: value(3), value: value(3) }] : value(2),
              },
            }
          : {}),
      },
      response: {
        status: chance(0.8) ? pick([200, 401, 403, 0, 429]) : value(2),
        statusText: 'x',
        httpVersion: 'HTTP/1.1',
        headers: chance(0.8) ? Array.from({ length: Math.floor(next() * 4) }, header) : value(2),
        cookies: [],
        content: chance(0.8)
          ? {
              size: 0,
              mimeType: pick(['application/json', 'text/html', string()]),
              text: chance(0.5) ? JSON.stringify(value(1)) : string(),
              ...(chance(0.1) ? { encoding: 'base64' } : {}),
            }
          : value(2),
        redirectURL: chance(0.9) ? '' : value(2),
        headersSize: -1,
        bodySize: -1,
      },
      cache: {},
      timings: { send: 0, wait: 0, receive: 0 },
    };
    if (chance(0.2)) entry[pick(PROTOTYPE_NAMES)] = value(2);
    return entry;
  };
  const har = (): unknown =>
    chance(0.9)
      ? {
          log: {
            version: '1.2',
            creator: chance(0.9) ? { name: 'x', version: '1' } : value(2),
            entries: Array.from({ length: 1 + Math.floor(next() * 3) }, harEntry),
            ...(chance(0.2) ? { pages: value(2) } : {}),
          },
        }
      : value(1);
  const json = (body: unknown): Pick<FuzzRequest, 'headers' | 'body'> => ({
    headers: { 'content-type': 'application/json' },
    body: chance(0.05) ? JSON.stringify(body).slice(0, -1) : JSON.stringify(body),
  });
  const multipart = (): Pick<FuzzRequest, 'headers' | 'body'> => {
    const boundary = chance(0.9) ? 'fuzzboundary' : string().replace(/[\r\n"]/g, '');
    const parts = Array.from(
      { length: Math.floor(next() * 3) + 1 },
      () =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${pick(['file', 'text', 'constructor', string()])}"${chance(0.5) ? '; filename="a.har"' : ''}\r\n\r\n${chance(0.5) ? JSON.stringify(har()) : string()}\r\n`,
    );
    return {
      headers: { 'content-type': latin1(`multipart/form-data; boundary=${chance(0.9) ? boundary : string()}`) },
      body: `${parts.join('')}${chance(0.8) ? `--${boundary}--\r\n` : ''}`,
    };
  };

  const requests: FuzzRequest[] = [];
  for (let index = 0; index < count; index += 1) {
    const route = Math.floor(next() * 11);
    // A URL cannot hold a lone surrogate, but its UTF-8 bytes (%ED%A0%80) and stray percents can arrive.
    const query = `${encodeComponent(string()).replace(/%25/g, chance(0.3) ? '%' : '%25')}${chance(0.1) ? '%ED%A0%80' : ''}`;
    if (route === 0)
      requests.push({
        method: 'GET',
        path: `/v1/search?q=${query}${chance(0.3) ? `&limit=${encodeComponent(string())}` : ''}`,
        headers: {},
      });
    else if (route === 1) requests.push({ method: 'GET', path: `/v1/suggest?q=${query}`, headers: {} });
    else if (route === 2) requests.push({ method: 'GET', path: `/v1/articles/${query}`, headers: {} });
    else if (route === 3) requests.push({ method: 'GET', path: `/articles/${query}`, headers: {} });
    else if (route === 4)
      requests.push({
        method: 'POST',
        path: '/v1/diagnose',
        ...json(chance(0.5) ? { text: value(1), error: value(1) } : { har: har(), text: value(2) }),
      });
    else if (route === 5)
      requests.push({
        method: 'POST',
        path: '/v1/diagnose',
        headers: {
          'content-type': latin1(
            pick(['text/plain', 'text/plain; charset=utf-8', 'application/octet-stream', string()]),
          ),
        },
        body: chance(0.5) ? JSON.stringify(har()) : string(),
      });
    else if (route === 6) requests.push({ method: 'POST', path: '/v1/diagnose', ...multipart() });
    else if (route === 7)
      requests.push({
        method: 'POST',
        path: '/v1/chat',
        ...json(
          chance(0.8)
            ? {
                messages: Array.from({ length: Math.floor(next() * 3) + 1 }, () => ({
                  role: pick(['user', 'assistant', string()]),
                  text: value(2),
                  ...(chance(0.2) ? { error: value(2) } : {}),
                  ...(chance(0.1) ? { har: har() } : {}),
                })),
                ...(chance(0.5) ? { context: value(1) } : {}),
              }
            : value(1),
        ),
      });
    else if (route === 8)
      requests.push({ method: 'POST', path: '/v1/har/sanitize', ...(chance(0.7) ? json(har()) : multipart()) });
    else if (route === 9)
      requests.push({
        method: 'POST',
        path: '/v1/feedback',
        ...json(chance(0.7) ? { helpful: value(2), article: value(2), cause: value(2) } : value(1)),
      });
    else
      requests.push({
        method: 'POST',
        path: '/v1/diagnose',
        ...json({
          error: {
            status: value(2),
            headers: chance(0.5)
              ? { [pick(['WWW-Authenticate', 'constructor', '__proto__', string()])]: value(2) }
              : value(2),
            body: value(2),
          },
        }),
      });
  }
  return requests;
}
