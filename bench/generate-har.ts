import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * A realistic capture of about `megabytes` MB: a single-page app's session with scripts,
 * stylesheets, images (base64), API JSON, a sign-in with cookies, and now and then a 401 with
 * an expired JWT or a 429, in the proportions real captures have (most bytes are static
 * assets; most entries are API calls).
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const WORDS =
  'device policy order invoice report user account region status audit event metric alert token session'.split(' ');

export async function generateHar(path: string, megabytes: number, seed = 7): Promise<number> {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const out = createWriteStream(path);
  let written = 0;
  const write = async (text: string): Promise<void> => {
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const start = Date.parse('2026-03-08T14:00:00Z');
  const token = (expired: boolean, at: number) =>
    `${b64({ alg: 'RS256', kid: 'k-2026-03', typ: 'JWT' })}.${b64({ iss: 'https://auth.example.com/', sub: 'user_8812', aud: 'https://api.example.com', scope: 'read write', iat: Math.floor(at / 1000) - 3700, exp: Math.floor(at / 1000) + (expired ? -100 : 3500) })}.${'s'.repeat(342)}`;
  const header = (name: string, value: string) => ({ name, value });
  await write(
    '{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"startedDateTime":"2026-03-08T14:00:00.000Z","id":"page_1","title":"https://app.example.com/","pageTimings":{"onContentLoad":400,"onLoad":900}}],"entries":[',
  );
  const target = megabytes * 1024 * 1024;
  for (let index = 0; written < target; index += 1) {
    const at = start + index * 350;
    const kind = random();
    let request: Record<string, unknown>;
    let response: Record<string, unknown>;
    const expired = index > 40 && random() < 0.03;
    if (kind < 0.08) {
      // A script or stylesheet: large text.
      const size = 40_000 + Math.floor(random() * 200_000);
      const body =
        `/* bundle ${index} */ ${`function ${pick(WORDS)}(){return ${index}};`.repeat(Math.ceil(size / 30))}`.slice(
          0,
          size,
        );
      request = {
        method: 'GET',
        url: `https://app.example.com/static/js/chunk.${index}.js`,
        headers: [header('Accept', '*/*')],
      };
      response = {
        status: 200,
        statusText: 'OK',
        headers: [header('Content-Type', 'application/javascript'), header('Cache-Control', 'max-age=31536000')],
        content: { size: body.length, mimeType: 'application/javascript', text: body },
      };
    } else if (kind < 0.14) {
      // An image, base64 as Chrome exports it.
      const bytes = Buffer.alloc(10_000 + Math.floor(random() * 60_000), index % 251);
      request = {
        method: 'GET',
        url: `https://cdn.example.com/img/${index}.png`,
        headers: [header('Accept', 'image/avif,image/webp,*/*')],
      };
      response = {
        status: 200,
        statusText: 'OK',
        headers: [header('Content-Type', 'image/png')],
        content: { size: bytes.length, mimeType: 'image/png', text: bytes.toString('base64'), encoding: 'base64' },
      };
    } else {
      // An API call with a bearer token and a JSON body.
      const resource = pick(WORDS);
      const rateLimited = !expired && random() < 0.01;
      const status = expired ? 401 : rateLimited ? 429 : 200;
      const items = Array.from({ length: 5 + Math.floor(random() * 40) }, (_, item) => ({
        id: `${resource}_${index}_${item}`,
        name: `${pick(WORDS)} ${pick(WORDS)}`,
        updated: new Date(at).toISOString(),
        tags: [pick(WORDS), pick(WORDS)],
      }));
      const body =
        status === 200
          ? JSON.stringify({ data: items, next: `cursor_${index}` })
          : status === 401
            ? '{"error":"invalid_token","error_description":"The access token expired"}'
            : '{"error":"rate_limited"}';
      request = {
        method: 'GET',
        url: `https://api.example.com/v2/${resource}s?limit=50&cursor=${index}`,
        headers: [
          header('Accept', 'application/json'),
          header('Authorization', `Bearer ${token(expired, at)}`),
          header('Origin', 'https://app.example.com'),
          header('Cookie', `theme=dark; sid=s%3A${index.toString(36)}abcdef`),
        ],
        queryString: [
          { name: 'limit', value: '50' },
          { name: 'cursor', value: String(index) },
        ],
      };
      response = {
        status,
        statusText: status === 200 ? 'OK' : status === 401 ? 'Unauthorized' : 'Too Many Requests',
        headers: [
          header('Content-Type', 'application/json'),
          header('Date', new Date(at).toUTCString()),
          ...(status === 401
            ? [header('WWW-Authenticate', 'Bearer error="invalid_token", error_description="The access token expired"')]
            : []),
          ...(status === 429 ? [header('Retry-After', '30')] : []),
        ],
        content: { size: body.length, mimeType: 'application/json', text: body },
      };
    }
    const entry = {
      startedDateTime: new Date(at).toISOString(),
      time: 20 + random() * 300,
      request: { httpVersion: 'http/2.0', cookies: [], headersSize: -1, bodySize: 0, queryString: [], ...request },
      response: { httpVersion: 'http/2.0', cookies: [], redirectURL: '', headersSize: -1, bodySize: -1, ...response },
      cache: {},
      timings: { blocked: 1, dns: -1, ssl: -1, connect: -1, send: 0.2, wait: 40, receive: 2 },
      pageref: 'page_1',
    };
    await write(`${index === 0 ? '' : ','}${JSON.stringify(entry)}`);
  }
  await write(']}}');
  out.end();
  await once(out, 'finish');
  return written;
}
