import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** The baseline: the same framework and adapter answering a constant, nothing else. */
const app = new Hono();
app.get('/', (c) => c.text('Hello world'));
app.post('/', (c) => c.json({ hello: 'world' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${info.port}` })}\n`);
});
