import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * The ceiling for `npm run bench`: the same framework and adapter as the hello-world server,
 * answering with responses recorded from fixpath (same status, headers and body bytes) and
 * doing no work at all. fixpath can be no faster than this on the same machine and client; the
 * gap between the two is what fixpath's own work costs.
 */
interface Recorded {
  method: string;
  path: string;
  /** A POST's Content-Length tells the recorded requests apart without reading the body. */
  contentLength?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const recorded = JSON.parse(readFileSync(process.env.REPLAY_FILE!, 'utf8')) as Recorded[];
const answers = new Map(
  recorded.map((item) => [
    `${item.method} ${item.path} ${item.contentLength ?? ''}`,
    { ...item, bytes: Buffer.from(item.body, 'base64') },
  ]),
);
const app = new Hono();
app.all('*', (c) => {
  const url = c.req.url;
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  const answer = answers.get(
    `${c.req.method} ${path} ${c.req.method === 'POST' ? (c.req.header('content-length') ?? '') : ''}`,
  );
  if (!answer) return c.text('not recorded', 404);
  return c.body(answer.bytes, answer.status as 200, answer.headers);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${info.port}` })}\n`);
});
