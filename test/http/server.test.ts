import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningServer, startServer } from '../support/server.ts';
import { uniqueRequestId, waitForRequestLine } from '../support/server-log.ts';

let server: RunningServer;

before(async () => {
  server = await startServer({ MAX_BODY_BYTES: String(2 * 1024 * 1024) });
});
after(async () => {
  await server.stop();
});

async function post(path: string, body: BodyInit, contentType?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: contentType ? { 'content-type': contentType } : {},
  });
}

async function expectProblem(response: Response, status: number, detailPattern: RegExp): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const problem = (await response.json()) as { type: string; title: string; status: number; detail: string };
  assert.equal(problem.status, status);
  assert.ok(problem.type && problem.title, 'problem has type and title');
  assert.match(problem.detail, detailPattern);
  assert.doesNotMatch(JSON.stringify(problem), /at .*\.ts:\d+/, 'no stack trace');
}

describe('the Node server on a real port', () => {
  it('reports health with the bundled knowledge base', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    const health = (await response.json()) as { status: string; articles: number; causes: number; problems: unknown[] };
    assert.equal(health.status, 'ok');
    assert.ok(health.articles >= 20, `${health.articles} articles`);
    assert.ok(health.causes >= 20);
  });

  it('searches with field vocabulary: "unauthorized expiry" finds the expired-token article', async () => {
    const response = await fetch(`${server.url}/v1/search?q=unauthorized%20expiry&limit=3`);
    const body = (await response.json()) as {
      total: number;
      hits: Array<{ slug: string; url: string; snippet: string; causes: Array<{ id: string }> }>;
    };
    assert.equal(response.status, 200);
    assert.ok(body.hits.length <= 3);
    assert.equal(body.hits[0]?.slug, 'expired-access-token');
    assert.equal(body.hits[0]?.url, '/articles/expired-access-token');
    assert.ok(body.hits[0]!.snippet.length > 0);
    assert.deepEqual(
      body.hits[0]?.causes.map((cause) => cause.id),
      ['token-expired'],
    );
  });

  it('forgives typos and prefixes in search', async () => {
    const body = (await (await fetch(`${server.url}/v1/search?q=clok%20skew`)).json()) as {
      hits: Array<{ slug: string }>;
    };
    assert.equal(body.hits[0]?.slug, 'clock-skew');
  });

  it('suggests article titles for a half-typed query', async () => {
    const body = (await (await fetch(`${server.url}/v1/suggest?q=invalid_cli`)).json()) as {
      suggestions: Array<{ slug: string; text: string }>;
    };
    assert.ok(
      body.suggestions.some((suggestion) => suggestion.slug === 'invalid-client-credentials'),
      JSON.stringify(body),
    );
  });

  it('rejects a missing or too long search query with a problem', async () => {
    await expectProblem(await fetch(`${server.url}/v1/search`), 422, /q/);
    await expectProblem(await fetch(`${server.url}/v1/search?q=${'a'.repeat(600)}`), 422, /MAX_QUERY_CHARS/);
  });

  it('diagnoses a symptom typed as JSON text', async () => {
    const response = await post(
      '/v1/diagnose',
      JSON.stringify({ text: 'TokenExpiredError: jwt expired after the service ran for an hour' }),
      'application/json',
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      input: { kind: string };
      causes: Array<{
        id: string;
        confidence: number;
        steps: unknown[];
        evidence: unknown[];
        article: { url: string };
      }>;
    };
    assert.equal(body.input.kind, 'text');
    assert.equal(body.causes[0]?.id, 'token-expired');
    assert.ok(body.causes[0]!.confidence > 0 && body.causes[0]!.confidence <= 1);
    assert.ok(body.causes[0]!.steps.length > 0);
    assert.ok(body.causes[0]!.evidence.length > 0);
    assert.equal(body.causes[0]?.article.url, '/articles/expired-access-token');
  });

  it('diagnoses a raw HTTP response pasted as text/plain', async () => {
    const paste =
      'HTTP/1.1 403 Forbidden\r\nWWW-Authenticate: Bearer error="insufficient_scope", scope="orders:write"\r\nContent-Type: application/json\r\n\r\n{"error":"insufficient_scope"}';
    const body = (await (await post('/v1/diagnose', paste, 'text/plain')).json()) as {
      input: { kind: string };
      causes: Array<{ id: string }>;
      findings: Array<{ status: number; wwwAuthenticate: Array<{ params: Record<string, string> }> }>;
    };
    assert.equal(body.input.kind, 'http');
    assert.equal(body.causes[0]?.id, 'insufficient-scope');
    assert.equal(body.findings[0]?.status, 403);
    assert.equal(body.findings[0]?.wwwAuthenticate[0]?.params.scope, 'orders:write');
  });

  it('accepts a multipart upload with a file and a note', async () => {
    const form = new FormData();
    form.set('text', 'customer pasted this from their terminal');
    form.set(
      'file',
      new Blob(['HTTP/2 429\nretry-after: 30\n\n{"error":"rate_limit_exceeded"}'], { type: 'text/plain' }),
      'response.txt',
    );
    const response = await fetch(`${server.url}/v1/diagnose`, { method: 'POST', body: form });
    const body = (await response.json()) as { causes: Array<{ id: string }> };
    assert.equal(response.status, 200);
    assert.equal(body.causes[0]?.id, 'rate-limited');
  });

  it('abstains when nothing fits', async () => {
    const body = (await (
      await post(
        '/v1/diagnose',
        JSON.stringify({ text: 'how do I change the colour of the launcher button?' }),
        'application/json',
      )
    ).json()) as { causes: unknown[] };
    assert.deepEqual(body.causes, []);
  });

  it('never returns a pasted token whole', async () => {
    const token =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE3MDAwMDAwMDB9.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZS1oZXJl';
    const paste = `HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token"\n\n{"error":"invalid_token","error_description":"token ${token} expired"}`;
    const text = await (await post('/v1/diagnose', paste, 'text/plain')).text();
    assert.ok(!text.includes(token), 'the whole token is not echoed');
    assert.ok(!text.includes('c2VjcmV0LXNpZ25hdHVyZS12YWx1ZS1oZXJl'), 'the signature is not echoed');
  });

  it('answers malformed JSON with 400 and where it broke', async () => {
    await expectProblem(
      await post('/v1/diagnose', '{"text": "401 everywhere",}', 'application/json'),
      400,
      /not valid JSON/,
    );
  });

  it('answers a wrong content type with 415 naming the accepted ones', async () => {
    await expectProblem(
      await post('/v1/diagnose', '<xml/>', 'application/xml'),
      415,
      /application\/json, text\/plain, multipart\/form-data/,
    );
  });

  it('answers an empty or unknown-shaped body with 422', async () => {
    await expectProblem(await post('/v1/diagnose', JSON.stringify({ text: '   ' }), 'application/json'), 422, /text/);
    await expectProblem(
      await post('/v1/diagnose', JSON.stringify({ txt: 'typo' }), 'application/json'),
      422,
      /unknown field "txt"/,
    );
    await expectProblem(
      await post('/v1/diagnose', JSON.stringify({ error: { status: 'four oh one' } }), 'application/json'),
      422,
      /\/error\/status/,
    );
  });

  it('answers an oversized body with 413 and the limit', async () => {
    await expectProblem(
      await post('/v1/diagnose', 'x'.repeat(2 * 1024 * 1024 + 1), 'text/plain'),
      413,
      /2 MiB limit \(MAX_BODY_BYTES\)/,
    );
  });

  it('stops reading a chunked body without Content-Length at the limit', async () => {
    const chunk = new TextEncoder().encode('y'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 40) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      duplex: 'half',
    } as RequestInit);
    await expectProblem(response, 413, /MAX_BODY_BYTES/);
  });

  it('diagnoses a 1 MB paste without failing', async () => {
    const filler = 'log line without anything interesting in it\n'.repeat(Math.ceil((1024 * 1024) / 44));
    const paste = `${filler.slice(0, 1024 * 1024 - 100)}\nTokenExpiredError: jwt expired`;
    const started = Date.now();
    const response = await post('/v1/diagnose', paste, 'text/plain');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { causes: Array<{ id: string }> };
    assert.equal(body.causes[0]?.id, 'token-expired');
    assert.ok(Date.now() - started < 10_000, 'answers in reasonable time');
  });

  it('rejects a body that is not UTF-8 with 400', async () => {
    await expectProblem(
      await post('/v1/diagnose', new Uint8Array([0x34, 0x30, 0x31, 0xff, 0xfe]), 'text/plain'),
      400,
      /UTF-8/,
    );
  });

  it('lists articles and serves one as JSON with sections and steps', async () => {
    const list = (await (await fetch(`${server.url}/v1/articles`)).json()) as {
      total: number;
      articles: Array<{ slug: string }>;
    };
    assert.equal(list.total, list.articles.length);
    const article = (await (await fetch(`${server.url}/v1/articles/expired-access-token`)).json()) as {
      sections: Array<{ heading: string }>;
      causes: Array<{ steps: Array<{ markdown: string }> }>;
    };
    assert.ok(article.sections.some((section) => section.heading === 'Resolution steps'));
    assert.ok(article.causes[0]!.steps.every((step) => step.markdown.length > 0));
  });

  it('serves an article as an HTML page with linkable sections, and 404 for an unknown slug', async () => {
    const response = await fetch(`${server.url}/articles/expired-access-token`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /<h1>401 Unauthorized: the access token has expired<\/h1>/);
    assert.match(html, /id="symptoms"/);
    await expectProblem(await fetch(`${server.url}/articles/no-such-article`), 404, /no article has the slug/);
    await expectProblem(await fetch(`${server.url}/v1/articles/no-such-article`), 404, /no article has the slug/);
  });

  it('publishes an OpenAPI 3.1 document and a reference page that needs no internet', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    assert.equal(document.openapi, '3.1.0');
    for (const path of ['/v1/diagnose', '/v1/search', '/v1/suggest', '/v1/articles', '/v1/articles/{slug}', '/healthz'])
      assert.ok(document.paths[path], path);
    assert.ok(document.components.schemas.DiagnoseRequest);
    const html = await (await fetch(`${server.url}/docs`)).text();
    assert.match(html, /\/v1\/diagnose/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="https?:/, 'no external assets');
  });

  it('answers unknown routes with a problem, and logs requests as JSON without secrets', async () => {
    await expectProblem(await fetch(`${server.url}/v2/nothing`), 404, /API reference is at \/docs/);
    const requestId = uniqueRequestId('server-log-check');
    const diagnosis = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ text: 'Authorization: Bearer sk_live_abcdefghijklmnop1234 fails with 401' }),
    });
    assert.equal(diagnosis.headers.get('x-request-id'), requestId);
    await diagnosis.arrayBuffer();
    const entry = await waitForRequestLine(server, requestId);
    for (const key of ['requestId', 'method', 'route', 'status', 'durationMs']) assert.ok(key in entry, key);
    assert.equal(entry.route, '/v1/diagnose');
    assert.ok(!server.logs.join('\n').includes('sk_live_abcdefghijklmnop1234'));
  });
});
