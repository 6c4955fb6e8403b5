import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { EVAL_DIR, readCases } from '../../evaluation/cases.ts';
import { readCorpus } from '../../evaluation/corpus.ts';
import {
  checkedFetch,
  compileAgainstDocument,
  lintOpenApi,
  type OpenApiDocument,
  ResponseChecker,
} from '../support/openapi-check.ts';
import { ROOT, type RunningServer, startServer } from '../support/server.ts';
import { logEvents } from '../support/server-log.ts';
import { needsEvalFile } from '../support/shared.ts';
import { startLocalWorker } from '../worker/local-worker.ts';
import { insightsContract } from './insights-contract.ts';

/**
 * One HTTP contract, two runtimes: the Node server and the Worker in workerd must answer the
 * same requests the same way, so they cannot drift.
 */
const CONFIG = {
  AUTH_JWT_SECRET: 'contract-suite-shared-secret-0123456789abcdef',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'fixpath',
  WIDGET_ORIGINS: 'https://www.example.com',
  RATE_LIMIT_PER_MINUTE: '100000',
  UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
};
const agentToken = () =>
  new SignJWT({ roles: ['agent'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(CONFIG.AUTH_ISSUER)
    .setAudience(CONFIG.AUTH_AUDIENCE)
    .setSubject('ana')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(CONFIG.AUTH_JWT_SECRET));

const runtimes: Record<string, RunningServer> = {};
/** Each runtime's own OpenAPI document, and a checker that holds its answers to it. */
const documents: Record<string, OpenApiDocument> = {};
const checkers: Record<string, ResponseChecker> = {};
/** Every call each runtime was asked, for the check that every documented operation was. */
const asked: Record<string, Array<{ method: string; path: string }>> = { node: [], worker: [] };
/** Every call of this suite goes through its runtime's checker: each answer must fit the document that runtime serves. */
const fetchOn = (name: string) => {
  const checked = checkedFetch(() => checkers[name]!);
  return (url: string, init: RequestInit = {}): Promise<Response> => {
    asked[name]!.push({ method: (init.method ?? 'GET').toLowerCase(), path: new URL(url).pathname });
    return checked(url, init);
  };
};

before(async () => {
  // Node writes its events every 100 ms; the Worker after each request, to a local D1 migrated first.
  [runtimes.node, runtimes.worker] = await Promise.all([
    startServer({ ...CONFIG, ANALYTICS_FLUSH_MS: '100' }),
    startLocalWorker(CONFIG, { environment: 'contract', migrate: true }),
  ]);
  for (const [name, runtime] of Object.entries(runtimes)) {
    const response = await fetch(`${runtime.url}/openapi.json`);
    documents[name] = (await response.clone().json()) as OpenApiDocument;
    checkers[name] = new ResponseChecker(documents[name]);
    await checkers[name].check('GET', `${runtime.url}/openapi.json`, response);
    asked[name]!.push({ method: 'get', path: '/openapi.json' });
  }
});
after(async () => {
  await Promise.all(Object.values(runtimes).map((server) => server.stop()));
});

const post = (name: string, path: string, body: string, type: string, headers: Record<string, string> = {}) =>
  fetchOn(name)(`${runtimes[name]!.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': type, ...headers },
  });

for (const name of ['node', 'worker']) {
  describe(`the HTTP contract on ${name}`, () => {
    const base = () => runtimes[name]!.url;
    const fetch = fetchOn(name);

    it('searches and suggests', async () => {
      const search = (await (await fetch(`${base()}/v1/search?q=token%20expired&limit=3`)).json()) as {
        hits: Array<{ slug: string }>;
      };
      assert.equal(search.hits[0]?.slug, 'expired-access-token');
      const suggest = (await (await fetch(`${base()}/v1/suggest?q=refresh%20tok`)).json()) as {
        suggestions: Array<{ slug: string }>;
      };
      assert.ok(suggest.suggestions.some((item) => item.slug === 'refresh-token-invalid'));
    });

    it('diagnoses text, an error response and a HAR', async () => {
      const text = (await (
        await post(
          name,
          '/v1/diagnose',
          JSON.stringify({ text: 'CSRF verification failed. Request aborted.' }),
          'application/json',
        )
      ).json()) as { causes: Array<{ id: string; steps: Array<{ markdown: string }> }> };
      assert.equal(text.causes[0]?.id, 'csrf-token-invalid');
      // The steps' text, wherever the article text is kept (a Worker fetches it from its static assets).
      assert.ok((text.causes[0]?.steps ?? []).length > 0);
      for (const step of text.causes[0]!.steps) assert.ok(step.markdown.length > 40, JSON.stringify(step));
      const error = (await (
        await post(
          name,
          '/v1/diagnose',
          JSON.stringify({ error: { status: 429, headers: { 'retry-after': '30' } } }),
          'application/json',
        )
      ).json()) as { causes: Array<{ id: string }> };
      assert.equal(error.causes[0]?.id, 'rate-limited');
      const har = await readFile(join(ROOT, 'test', 'fixtures', 'har', 'firefox.har'), 'utf8');
      const capture = (await (await post(name, '/v1/diagnose', har, 'application/json')).json()) as {
        input: { kind: string; failing: number };
        findings: unknown[];
      };
      assert.equal(capture.input.kind, 'har');
      assert.equal(capture.input.failing, 2);
    });

    it('serves articles, and answers errors as problems', async () => {
      const article = await fetch(`${base()}/v1/articles/clock-skew`);
      assert.equal(article.status, 200);
      const { markdown, sections } = (await article.json()) as {
        markdown: string;
        sections: Array<{ markdown: string }>;
      };
      const source = await readFile(join(ROOT, 'articles', 'clock-skew.md'), 'utf8');
      assert.ok(markdown.length > 2000 && source.includes(markdown.trim()), 'the article text as written');
      assert.ok(sections.filter((section) => section.markdown.length > 0).length >= 4);
      const page = await (await fetch(`${base()}/articles/clock-skew`)).text();
      assert.match(page, /<h1>/);
      assert.match(page, /Resynchronise the clock/);
      const missing = await fetch(`${base()}/v1/articles/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('content-type'), 'application/problem+json');
      assert.equal((await post(name, '/v1/diagnose', '<x/>', 'application/xml')).status, 415);
      assert.equal((await post(name, '/v1/diagnose', '{"text":', 'application/json')).status, 400);
      assert.equal(
        (await post(name, '/v1/diagnose', JSON.stringify({ har: { log: {} } }), 'application/json')).status,
        422,
      );
    });

    it('signs agents in, keeps internal articles internal, and guards origins', async () => {
      assert.equal((await fetch(`${base()}/v1/me`)).status, 401);
      const token = await agentToken();
      assert.equal((await fetch(`${base()}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await fetch(`${base()}/v1/articles/auth-incident-escalation`)).status, 404);
      assert.equal(
        (
          await fetch(`${base()}/v1/articles/auth-incident-escalation`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
        200,
      );
      const allowed = await fetch(`${base()}/v1/search?q=token`, { headers: { origin: 'https://www.example.com' } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://www.example.com');
      assert.equal(
        (await fetch(`${base()}/v1/search?q=token`, { headers: { origin: 'https://evil.example' } })).status,
        403,
      );
      assert.equal(
        (await fetch(`${base()}/v1/search?q=token`, { headers: { authorization: 'Bearer not-a-jwt' } })).status,
        401,
      );
      assert.equal(
        (await fetch(`${base()}/v1/search?q=token`, { headers: { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' } }))
          .status,
        400,
      );
    });

    it('answers every other route as documented', async () => {
      assert.equal((await fetch(`${base()}/v1/search`)).status, 422);
      assert.equal((await fetch(`${base()}/v1/articles`)).status, 200);
      assert.equal((await fetch(`${base()}/healthz`)).status, 200);
      assert.equal((await fetch(`${base()}/`)).status, 200);
      assert.equal((await fetch(`${base()}/widget.js`)).status, 200);
      assert.equal((await fetch(`${base()}/console.js`)).status, 200);
      assert.equal(
        (await post(name, '/v1/feedback', JSON.stringify({ helpful: true, article: 'clock-skew' }), 'application/json'))
          .status,
        202,
      );
      assert.equal(
        (await post(name, '/v1/feedback', JSON.stringify({ helpful: 'yes' }), 'application/json')).status,
        422,
      );
      const chat = (await (
        await post(
          name,
          '/v1/chat',
          JSON.stringify({ messages: [{ role: 'user', text: 'Our API calls are failing with 401' }] }),
          'application/json',
        )
      ).json()) as { causes: Array<{ id: string }> };
      assert.ok(chat.causes.length > 0);
      const har = await readFile(join(ROOT, 'test', 'fixtures', 'har', 'firefox.har'), 'utf8');
      assert.equal((await post(name, '/v1/har/sanitize', har, 'application/json')).status, 200);
      assert.equal((await post(name, '/v1/har/sanitize?format=har', har, 'application/json')).status, 200);
    });

    insightsContract({ base, fetch, agentToken });

    it('wrote every batch of events', () => {
      const failed = logEvents(runtimes[name]!).filter((event) => event.event === 'analytics-write-failed');
      assert.deepEqual(failed, []);
    });

    it("serves an OpenAPI document that passes Redocly's recommended rules", () => {
      const result = lintOpenApi(documents[name]);
      assert.deepEqual(
        result.problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`),
        [],
      );
    });

    it('names every problem by an absolute type that has a row on /docs', async () => {
      const docs = await (await fetch(`${base()}/docs`)).text();
      const types = [...checkers[name]!.problemTypes];
      assert.ok(types.length >= 8, `only ${types.length} problem types were seen`);
      for (const type of types) {
        const url = new URL(type);
        assert.equal(url.origin, new URL(base()).origin, type);
        assert.ok(docs.includes(`id="${url.hash.slice(1)}"`), `${type}: /docs has no ${url.hash}`);
      }
      assert.ok(checkers[name]!.checked > 20, `only ${checkers[name]!.checked} responses were checked`);
    });

    it('asks every operation of its document, and checks the answers against it', () => {
      const missing = Object.entries(documents[name]!.paths).flatMap(([template, operations]) => {
        const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        return Object.keys(operations)
          .filter((method) => !asked[name]!.some((call) => call.method === method && pattern.test(call.path)))
          .map((method) => `${method.toUpperCase()} ${template}`);
      });
      assert.deepEqual(missing, [], 'operations the contract never asked');
    });
  });
}

describe('the OpenAPI document', () => {
  it('is the same on Node and in workerd', () => {
    assert.deepEqual(documents.worker, documents.node);
  });

  it("gives a typed client that compiles against the README's examples", async () => {
    const { status, output } = await compileAgainstDocument(documents.node, README_CALLS);
    assert.equal(status, 0, output);
    // And a call the document does not allow fails to compile, so the check has teeth.
    const wrong = await compileAgainstDocument(
      documents.node,
      README_CALLS.replace("q: 'token expired', limit: 5", "query: 'token expired', limit: '5'"),
    );
    assert.notEqual(wrong.status, 0, 'a wrong query compiled');
  });
});

/** README's API examples, made with a client generated from the document (openapi-fetch). */
const README_CALLS = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.ts';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:8787' });
const asText = { bodySerializer: (body: unknown) => String(body), headers: { 'content-type': 'text/plain' } };
type Cause = components['schemas']['Cause'];

export async function examples(capture: { log: unknown }, file: Blob): Promise<void> {
  // POST /v1/diagnose: a pasted raw response, an error response as JSON, a file, a HAR.
  const pasted = await client.POST('/v1/diagnose', { body: 'HTTP/1.1 403 Forbidden\\r\\nWWW-Authenticate: Bearer error="insufficient_scope", scope="orders:write"\\r\\n\\r\\n{"error":"insufficient_scope"}', ...asText });
  const error = await client.POST('/v1/diagnose', { body: { error: { status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token expired' } } } });
  const form = new FormData();
  form.append('file', file);
  form.append('text', 'customer says it started today');
  await client.POST('/v1/diagnose', { body: { file: '', text: '' }, bodySerializer: () => form });
  const har = await client.POST('/v1/diagnose', { body: { har: capture } });
  for (const answer of [pasted.data, error.data, har.data]) {
    if (!answer) continue;
    const summary: string = answer.summary;
    const kind: 'text' | 'error' | 'http' | 'har' = answer.input.kind;
    const top: Cause | undefined = answer.causes[0];
    const evidence: Array<{ source: string; detail: string; entry?: number }> = top?.evidence ?? [];
    const first = answer.findings[0];
    const token: string | undefined = first?.tokens[0]?.redacted;
    const entry: number | undefined = first?.tokens[0]?.entry;
    const challenge: string | undefined = first?.wwwAuthenticate[0]?.params['error'];
    const related: string[] = answer.articles.map((article) => article.url);
    console.log(summary, kind, top?.kind, top?.confidence, top?.article.slug, top?.steps[0]?.markdown, evidence, token, entry, challenge, related, answer.uncertain?.question?.options);
  }
  if (error.error) console.log(error.error.type, error.error.status, error.error.detail, error.error.errors?.[0]?.pointer);

  // POST /v1/chat: the first turn, then the next with the context the reply returned.
  const first = await client.POST('/v1/chat', { body: { messages: [{ role: 'user', text: 'Our API calls are failing with 401' }] } });
  if (first.data) {
    const options: string[] = first.data.question?.options ?? [];
    const candidates: Cause[] = first.data.causes;
    const next = await client.POST('/v1/chat', {
      body: {
        messages: [
          { role: 'user', text: 'Our API calls are failing with 401' },
          { role: 'assistant', text: first.data.reply },
          { role: 'user', text: 'It worked, then failed after a while' },
        ],
        context: first.data.context,
      },
    });
    console.log(options, candidates, next.data?.steps?.[0]?.title, next.data?.handoff?.ticket, next.data?.resolved);
  }

  // POST /v1/har/sanitize, as JSON with its manifest and as a bare capture.
  const clean = await client.POST('/v1/har/sanitize', { body: capture });
  const bare = await client.POST('/v1/har/sanitize', { params: { query: { format: 'har' } }, body: capture });
  console.log(clean.data, bare.data);

  // Search and articles.
  const search = await client.GET('/v1/search', { params: { query: { q: 'token expired', limit: 5 } } });
  const hit = search.data?.hits[0];
  console.log(hit?.slug, hit?.title, hit?.summary, hit?.url, hit?.score, hit?.snippet, hit?.causes[0]?.id);
  const suggest = await client.GET('/v1/suggest', { params: { query: { q: 'invalid cli' } } });
  console.log(suggest.data?.suggestions[0]?.text);
  const list = await client.GET('/v1/articles');
  console.log(list.data?.total, list.data?.articles[0]?.visibility);
  const article = await client.GET('/v1/articles/{slug}', { params: { path: { slug: 'expired-access-token' } } });
  console.log(article.data?.sections[0]?.heading, article.data?.causes[0]?.steps[0]?.id, article.data?.markdown);
  const health = await client.GET('/healthz');
  const status: 'ok' | 'degraded' | undefined = health.data?.status;
  const me = await client.GET('/v1/me', { headers: { authorization: 'Bearer <token>' } });
  console.log(status, health.data?.problems[0]?.file, me.data?.subject, me.data?.mode);
  await client.POST('/v1/feedback', { body: { helpful: true, article: 'expired-access-token' } });
}
`;

describe('the same answers on Node and in workerd', () => {
  /** Every case's ranked causes with their confidences, as one runtime answers them. */
  const rankings = (name: string, cases: Array<{ id: string; kind: string; input: unknown }>, directory: string) =>
    Promise.all(
      cases.map(async (entry) => {
        const body =
          entry.kind === 'text'
            ? { text: entry.input }
            : entry.kind === 'error'
              ? { error: entry.input }
              : { har: JSON.parse(await readFile(join(directory, String(entry.input)), 'utf8')) as unknown };
        const answer = (await (await post(name, '/v1/diagnose', JSON.stringify(body), 'application/json')).json()) as {
          causes: Array<{ id: string; confidence: number }>;
        };
        return `${entry.id}: ${answer.causes.map((cause) => `${cause.id}@${cause.confidence}`).join(' ')}`;
      }),
    );
  const compare = async (
    cases: Array<{ id: string; kind: string; input: unknown }>,
    directory: string,
  ): Promise<void> => {
    const [node, worker] = await Promise.all([
      rankings('node', cases, directory),
      rankings('worker', cases, directory),
    ]);
    assert.equal(node.length, cases.length);
    assert.deepEqual(worker, node);
  };

  it('ranks the causes of every development case identically', needsEvalFile('cases.jsonl'), async () => {
    await compare(await readCases(['text', 'error', 'har']), EVAL_DIR);
  });

  it('ranks the causes of every real-world report and recorded capture identically', async () => {
    const scenarios = join(ROOT, 'test', 'fixtures', 'har', 'scenarios');
    const labels = JSON.parse(await readFile(join(scenarios, 'labels.json'), 'utf8')) as Record<string, string[]>;
    await compare(
      (await readCorpus()).filter((entry) => entry.kind !== 'har'),
      ROOT,
    );
    await compare(
      Object.keys(labels).map((file) => ({ id: file, kind: 'har', input: file })),
      scenarios,
    );
  });
});
