import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type JwksServer, startJwksServer } from '../support/jwks-server.ts';
import { base64url } from '../support/jwt.ts';
import { type RunningServer, startServer } from '../support/server.ts';
import { uniqueRequestId, waitForRequestLine } from '../support/server-log.ts';

const SECRET = 'sk_live_plantedSecret0123456789';
const INTERNAL_WORDS = 'escalation packet blast radius incident bridge';
let jwks: JwksServer;
let server: RunningServer;

before(async () => {
  jwks = await startJwksServer(3_000);
  server = await startServer({
    AUTH_JWKS_URL: jwks.url,
    AUTH_ISSUER: jwks.issuer,
    AUTH_AUDIENCE: jwks.audience,
    AUTH_AGENT_ROLE: 'support-agent',
    AUTH_JWKS_TIMEOUT_MS: '500',
    WIDGET_ORIGINS: 'https://allowed.com, https://help.allowed.com',
    RATE_LIMIT_PER_MINUTE: '100000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
  });
});
after(async () => {
  await server.stop();
  await jwks.stop();
});

async function call(
  path: string,
  init: RequestInit & { token?: string; origin?: string } = {},
): Promise<{ status: number; headers: Headers; text: string; ms: number }> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set('authorization', init.token);
  if (init.origin !== undefined) headers.set('origin', init.origin);
  const started = Date.now();
  const response = await fetch(`${server.url}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: Date.now() - started };
}

/** The RFC 6750 challenge of a refusal, parsed loosely for assertions. */
const challenge = (headers: Headers): string => headers.get('www-authenticate') ?? '';

describe('agent sign-in (RFC 6750, RFC 8725)', () => {
  it('asks for credentials on an agent route, with a challenge and no error code', async () => {
    const response = await call('/v1/me');
    assert.equal(response.status, 401);
    assert.equal(challenge(response.headers), 'Bearer realm="fixpath"');
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
  });

  it('accepts a valid agent token, whatever the case of the scheme', async () => {
    const token = await jwks.sign();
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const response = await call('/v1/me', { token: `${scheme} ${token}` });
      assert.equal(response.status, 200, response.text);
      assert.equal((JSON.parse(response.text) as { subject: string }).subject, 'agent-7');
    }
  });

  it('refuses garbage, other schemes, empty tokens and tokens in the URL with the right error', async () => {
    const garbage = await call('/v1/me', { token: 'Bearer not.a.jwt' });
    assert.equal(garbage.status, 401);
    assert.match(challenge(garbage.headers), /error="invalid_token"/);
    const basic = await call('/v1/me', { token: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.status, 400);
    assert.match(challenge(basic.headers), /error="invalid_request", error_description="use the Bearer scheme/);
    assert.equal((await call('/v1/me', { token: 'Bearer' })).status, 400);
    const token = await jwks.sign();
    const both = await call(`/v1/search?q=token&access_token=${token}`, { token: `Bearer ${token}` });
    assert.equal(both.status, 400);
    assert.match(challenge(both.headers), /invalid_request/);
    assert.ok(!both.text.includes(token), 'the token is not echoed');
  });

  it('refuses unsigned, stripped, forged and key-confused tokens', async () => {
    const good = await jwks.sign();
    const [header, payload] = good.split('.');
    const forged = [
      `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${base64url({ alg: 'None', typ: 'JWT' })}.${payload}.`,
      `${header}.${payload}.`,
      `${header}.${payload}.${base64url('random-signature-bytes-random-signature')}`,
    ];
    // HS/RS confusion: an HS256 token "signed" with the server's public key as the secret.
    const { SignJWT } = await import('jose');
    forged.push(
      await new SignJWT({ roles: ['support-agent'] })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer(jwks.issuer)
        .setAudience(jwks.audience)
        .setSubject('attacker')
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(await jwks.publicPem())),
    );
    for (const token of forged) {
      const response = await call('/v1/me', { token: `Bearer ${token}` });
      assert.equal(response.status, 401, `${token.slice(0, 40)}: ${response.text}`);
      assert.match(challenge(response.headers), /error="invalid_token"/);
    }
  });

  it('refuses expired, not-yet-valid, exp-less, wrong-issuer and wrong-audience tokens, saying which', async () => {
    const cases: Array<[Promise<string>, RegExp]> = [
      [jwks.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 600 }), /expired/],
      [jwks.sign({}, { notBefore: Math.floor(Date.now() / 1000) + 3600 }), /not valid yet/],
      [jwks.sign({}, { omitExp: true }), /no exp claim/],
      [jwks.sign({ iss: 'https://evil.example.com/' }), /invalid issuer/],
      [jwks.sign({ aud: 'some-other-api' }), /invalid audience/],
    ];
    for (const [token, reason] of cases) {
      const response = await call('/v1/me', { token: `Bearer ${await token}` });
      assert.equal(response.status, 401);
      assert.match(challenge(response.headers), reason);
    }
  });

  it('answers a token without the agent role with 403 insufficient_scope on agent routes, public content elsewhere', async () => {
    const token = await jwks.sign({ roles: ['customer'] });
    const me = await call('/v1/me', { token: `Bearer ${token}` });
    assert.equal(me.status, 403);
    assert.match(challenge(me.headers), /error="insufficient_scope"/);
    const search = JSON.parse(
      (await call(`/v1/search?q=${encodeURIComponent(INTERNAL_WORDS)}`, { token: `Bearer ${token}` })).text,
    ) as { hits: Array<{ slug: string }> };
    assert.ok(!search.hits.some((hit) => hit.slug === 'auth-incident-escalation'));
  });

  it('fetches the key set at most once per cooldown, even for 1000 random kids', async () => {
    const before = jwks.fetches();
    // Issued before the set in hand was fetched: the set proves their keys are not published.
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        jwks.sign({}, { kid: `random-${index}-${Math.random()}`, issuedAt: anHourAgo }),
      ),
    );
    const statuses = await Promise.all(
      tokens.map(async (token) => (await call('/v1/me', { token: `Bearer ${token}` })).status),
    );
    assert.ok(
      statuses.every((status) => status === 401),
      [...new Set(statuses)].join(','),
    );
    // Issued after it: their keys may be newer than the set, and only the next fetch can tell.
    const newer = await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        jwks.sign({}, { kid: `newer-${index}-${Math.random()}`, issuedAt: anHourAgo + 7200 }),
      ),
    );
    const answers = await Promise.all(newer.map((token) => call('/v1/me', { token: `Bearer ${token}` })));
    assert.ok(
      answers.every((answer) => answer.status === 503 && Number(answer.headers.get('retry-after')) >= 1),
      [...new Set(answers.map((answer) => answer.status))].join(','),
    );
    assert.ok(jwks.fetches() - before <= 1, `${jwks.fetches() - before} fetches`);
  });
});

describe('an identity provider that is down or slow', () => {
  const COOLDOWN_MS = 1_000;
  const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

  it('answers 503 with a clear reason, quickly, and recovers after the cooldown', async () => {
    // A fresh server, so nothing is cached from the tests above.
    const fresh = await startServer({
      AUTH_JWKS_URL: jwks.url,
      AUTH_ISSUER: jwks.issuer,
      AUTH_AUDIENCE: jwks.audience,
      AUTH_JWKS_TIMEOUT_MS: '500',
      AUTH_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
    });
    const me = (token: string) => fetch(`${fresh.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    try {
      const token = await jwks.sign();
      await jwks.mode('down');
      let response = await me(token);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /key set answered HTTP 503/);
      assert.equal(response.headers.get('retry-after'), '1');
      await jwks.mode('slow');
      const fetches = jwks.fetches();
      assert.equal((await me(token)).status, 503, 'within the cooldown of the failed fetch');
      assert.equal(jwks.fetches(), fetches, 'no fetch within the cooldown');
      await pause(COOLDOWN_MS);
      const started = Date.now();
      response = await me(token);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /did not answer within 500 ms/);
      assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
      await jwks.mode('up');
      await pause(COOLDOWN_MS);
      assert.equal((await me(token)).status, 200);
      assert.equal((await fetch(`${fresh.url}/healthz`)).status, 200);
    } finally {
      await jwks.mode('up');
      await fresh.stop();
    }
  });

  it('during an outage answers a newly published key with 503, never 401, and random kids cannot multiply fetches', async () => {
    const provider = await startJwksServer();
    const fresh = await startServer({
      AUTH_JWKS_URL: provider.url,
      AUTH_ISSUER: provider.issuer,
      AUTH_AUDIENCE: provider.audience,
      AUTH_JWKS_TIMEOUT_MS: '500',
      AUTH_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
    });
    const me = (token: string) => fetch(`${fresh.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    try {
      assert.equal((await me(await provider.sign())).status, 200);
      await provider.publishKey('k2');
      await provider.mode('down');
      const published = await provider.sign({}, { kid: 'k2' });
      const fetches = provider.fetches();
      const statuses = new Map<string, number>();
      const started = Date.now();
      // 3 s of outage: the new key's holder and a crowd of random kids, 50 at a time.
      while (Date.now() - started < 3_000) {
        const tokens = [
          published,
          ...(await Promise.all(
            Array.from({ length: 49 }, () => provider.sign({}, { kid: `random-${Math.random()}` })),
          )),
        ];
        for (const response of await Promise.all(tokens.map(me))) {
          await response.body?.cancel();
          const key = `${response.status} retry-after ${response.headers.get('retry-after')}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
      }
      const made = provider.fetches() - fetches;
      const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
      console.log(
        `${made} fetches of the failing key set for ${total} requests in 3 s with a ${COOLDOWN_MS} ms cooldown: ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
      assert.deepEqual([...statuses.keys()], ['503 retry-after 1']);
      assert.ok(total >= 1000, `${total} requests`);
      assert.ok(made >= 1 && made <= 4, `${made} fetches`);
      await provider.mode('up');
      await pause(COOLDOWN_MS);
      assert.equal((await me(published)).status, 200, 'after recovery the new key verifies');
    } finally {
      await fresh.stop();
      await provider.stop();
    }
  });
});

describe('fixpath diagnoses its own refusals', () => {
  it('names the matching cause for each 401/400/403 it sends', async () => {
    const token = await jwks.sign();
    const [header, payload] = token.split('.');
    const cases: Array<[Promise<{ status: number; headers: Headers; text: string }>, string]> = [
      [call('/v1/me'), 'auth-header-missing'],
      [
        call('/v1/me', { token: `Bearer ${await jwks.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 600 })}` }),
        'token-expired',
      ],
      [call('/v1/me', { token: 'Basic dXNlcjpwYXNz' }), 'auth-scheme-invalid'],
      [call('/v1/me', { token: `Bearer ${await jwks.sign({ roles: ['customer'] })}` }), 'insufficient-scope'],
      [
        call('/v1/me', { token: `Bearer ${header}.${payload}.${base64url('forged-signature-forged-signature')}` }),
        'token-signature-invalid',
      ],
      [call('/v1/me', { token: `Bearer ${await jwks.sign({ aud: 'staging-api' })}` }), 'token-wrong-environment'],
      [
        call('/v1/me', { token: `Bearer ${await jwks.sign({}, { notBefore: Math.floor(Date.now() / 1000) + 3600 })}` }),
        'clock-skew',
      ],
      [call('/v1/me', { token: 'Bearer not-a-jwt-at-all' }), 'token-malformed'],
    ];
    for (const [pending, expected] of cases) {
      const response = await pending;
      const paste = `HTTP/1.1 ${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${response.text}`;
      const diagnosis = JSON.parse(
        (
          await call('/v1/diagnose', {
            method: 'POST',
            body: paste,
            headers: { 'content-type': 'text/plain' },
            token: `Bearer ${token}`,
          })
        ).text,
      ) as { causes: Array<{ id: string }> };
      assert.equal(
        diagnosis.causes[0]?.id,
        expected,
        `${response.status} ${challenge(response.headers)} → ${diagnosis.causes.map((cause) => cause.id).join(', ')}`,
      );
    }
  });
});

describe('internal articles stay internal', () => {
  it('never shows the public an internal article or a trace of it, on any route', async () => {
    const agentToken = `Bearer ${await jwks.sign()}`;
    const internal = JSON.parse((await call('/v1/articles/auth-incident-escalation', { token: agentToken })).text) as {
      title: string;
      sections: Array<{ heading: string; markdown: string }>;
    };
    assert.ok(internal.title, 'the agent sees it');
    const words = [internal.title, ...internal.sections.map((section) => section.heading)]
      .join(' ')
      .split(/\W+/)
      .filter((word) => word.length > 5);
    const phrases = [
      internal.title,
      INTERNAL_WORDS,
      ...internal.sections.slice(0, 6).map((section) => section.markdown.slice(0, 120)),
      ...words.slice(0, 10),
    ];
    const marks = ['auth-incident-escalation', internal.title];
    const leaks = (text: string) => marks.filter((mark) => text.includes(mark));
    // Answers echo the caller's own words (the query, words shared with an article); what must
    // never appear is anything the caller did not send: the internal slug, title or its causes.
    const withoutEcho = (text: string) => {
      const body = JSON.parse(text) as Record<string, unknown> & { causes?: Array<{ evidence: unknown }> };
      delete body.query;
      for (const cause of body.causes ?? []) delete (cause as { evidence?: unknown }).evidence;
      return JSON.stringify(body);
    };
    for (const phrase of phrases) {
      const q = encodeURIComponent(phrase.slice(0, 200));
      for (const path of [`/v1/search?q=${q}&limit=50`, `/v1/suggest?q=${q}`])
        assert.deepEqual(leaks(withoutEcho((await call(path)).text)), [], path);
      const diagnosis = await call('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: phrase }),
      });
      assert.deepEqual(leaks(withoutEcho(diagnosis.text)), [], `diagnose ${phrase.slice(0, 40)}`);
    }
    for (const path of ['/', '/v1/articles', '/docs', '/openapi.json', '/healthz'])
      assert.deepEqual(leaks((await call(path)).text), [], path);
    const list = JSON.parse((await call('/v1/articles')).text) as { total: number; articles: unknown[] };
    const agentList = JSON.parse((await call('/v1/articles', { token: agentToken })).text) as { total: number };
    assert.equal(list.total, list.articles.length);
    assert.equal(agentList.total, list.total + 1, 'the count does not include it either');
    // An internal slug answers exactly like a slug that never existed.
    for (const path of ['/v1/articles/', '/articles/']) {
      const hidden = await call(`${path}auth-incident-escalation`);
      const missing = await call(`${path}no-such-article-at-all`);
      assert.equal(hidden.status, 404);
      assert.equal(
        hidden.text.replaceAll('auth-incident-escalation', 'X'),
        missing.text.replaceAll('no-such-article-at-all', 'X'),
      );
    }
    // No public article links to it or lists it as related.
    for (const article of list.articles as Array<{ slug: string }>) {
      for (const path of [`/v1/articles/${article.slug}`, `/articles/${article.slug}`])
        assert.deepEqual(leaks((await call(path)).text), [], path);
    }
    const searchAsAgent = JSON.parse(
      (await call(`/v1/search?q=${encodeURIComponent(INTERNAL_WORDS)}`, { token: agentToken })).text,
    ) as { hits: Array<{ slug: string }> };
    assert.equal(searchAsAgent.hits[0]?.slug, 'auth-incident-escalation');
  });
});

describe('the public side', () => {
  it('answers allowed widget origins with exactly that origin, and refuses others before running', async () => {
    const allowed = await call('/v1/search?q=token', { origin: 'https://help.allowed.com' });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://help.allowed.com');
    assert.match(allowed.headers.get('vary') ?? '', /Origin/i);
    const preflight = await call('/v1/diagnose', {
      method: 'OPTIONS',
      origin: 'https://allowed.com',
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    for (const origin of [
      'https://evil.com',
      'null',
      'https://allowed.com.evil.com',
      'http://allowed.com',
      'https://allowed.com:8443',
      'https://evilallowed.com',
    ]) {
      for (const [path, init] of [
        ['/v1/search?q=token', {}],
        ['/v1/diagnose', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'jwt expired' }],
        ['/v1/diagnose', { method: 'OPTIONS' }],
      ] as const) {
        const response = await call(path, { ...init, origin });
        assert.equal(response.status, 403, `${origin} ${path}`);
        assert.equal(response.headers.get('access-control-allow-origin'), null);
      }
    }
  });

  it('puts security headers on every response, and no X-Powered-By', async () => {
    for (const path of ['/', '/v1/search?q=token', '/nowhere', '/articles/expired-access-token', '/v1/me']) {
      const response = await call(path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.ok(response.headers.get('content-security-policy'), path);
      assert.equal(response.headers.get('x-powered-by'), null, path);
    }
    const page = await call('/articles/expired-access-token');
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('rejects oversized headers and bodies, deep JSON, bad encodings and prototype pollution quickly, and keeps answering', async () => {
    const bigHeader = await new Promise<number>((done, fail) => {
      const request = httpRequest(
        `${server.url}/healthz`,
        { headers: { 'x-filler': 'x'.repeat(64 * 1024) } },
        (response) => {
          response.resume();
          done(response.statusCode ?? 0);
        },
      );
      request.on('error', fail);
      request.end();
    });
    assert.equal(bigHeader, 431);
    assert.equal(
      (
        await call('/v1/diagnose', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x'.repeat(3 * 1024 * 1024),
        })
      ).status,
      413,
    );
    const deep = await call('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"error":{"body":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    });
    assert.equal(deep.status, 422);
    assert.ok(deep.ms < 2_000);
    assert.equal(
      (
        await call('/v1/diagnose', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: new Uint8Array([0xc3, 0x28, 0x34, 0x30, 0x31]),
        })
      ).status,
      400,
    );
    for (const body of [
      '{"__proto__":{"polluted":true},"text":"jwt expired"}',
      '{"text":"jwt expired","constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const response = await call('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(response.status, 200, response.text);
      assert.ok(!response.text.includes('polluted'));
    }
    assert.equal((await call('/healthz')).status, 200);
  });

  it('answers ReDoS-shaped strings in every text field fast', async () => {
    const shapes = [
      'a'.repeat(200_000),
      `${'a:'.repeat(50_000)}!`,
      `${'Bearer '.repeat(20_000)}x`,
      `${'eyJ'.repeat(30_000)}.`,
      `${'%25'.repeat(30_000)}`,
      `${'"a": "'.repeat(20_000)}`,
      `name="${'x'.repeat(100_000)}`,
      `${'\t '.repeat(100_000)}401`,
      `HTTP/1.1 401\n${'x'.repeat(100_000)}: y\n\n`,
    ];
    for (const shape of shapes) {
      const requests = [
        call('/v1/diagnose', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: shape }),
        call('/v1/diagnose', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            error: {
              status: 401,
              headers: { 'www-authenticate': shape.slice(0, 16_000), 'x-debug': shape },
              body: shape,
            },
          }),
        }),
        call('/v1/diagnose', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            har: {
              log: {
                entries: [
                  {
                    request: {
                      url: `https://a.example/?q=${shape}`,
                      headers: [{ name: 'Authorization', value: shape }],
                    },
                    response: {
                      status: 401,
                      headers: [{ name: 'WWW-Authenticate', value: shape.slice(0, 16_000) }],
                      content: { text: shape },
                    },
                  },
                ],
              },
            },
          }),
        }),
        call('/v1/har/sanitize', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            log: {
              entries: [
                {
                  request: {
                    url: `https://a.example/?token=${shape}`,
                    headers: [{ name: 'Cookie', value: shape }],
                    postData: { mimeType: 'text/plain', text: shape },
                  },
                  response: { status: 200, content: { text: shape } },
                },
              ],
            },
          }),
        }),
        call(`/v1/search?q=${encodeURIComponent(shape.slice(0, 500))}`),
        call(`/v1/suggest?q=${encodeURIComponent(shape.slice(0, 500))}`),
      ];
      for (const response of await Promise.all(requests)) {
        assert.ok(response.status < 500, `${response.status} for ${JSON.stringify(shape.slice(0, 20))}`);
        assert.ok(response.ms < 3_000, `${response.ms} ms for ${JSON.stringify(shape.slice(0, 20))}`);
      }
    }
    assert.equal((await call('/healthz')).status, 200);
  });

  it('never shows or logs a planted secret, whatever route refuses it', async () => {
    await call('/v1/me', { token: `Bearer ${SECRET}` });
    await call(`/v1/search?q=${SECRET}&access_token=${SECRET}`);
    await call('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `Authorization: Bearer ${SECRET}\nHTTP/1.1 401 Unauthorized\n\n{"error":"invalid_token"}`,
    });
    await call('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ txt: SECRET }),
    });
    const [lastDiagnosis, lastMe] = [uniqueRequestId('planted-diagnose'), uniqueRequestId('planted-me')];
    const answers = await Promise.all([
      call('/v1/diagnose', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': lastDiagnosis },
        body: JSON.stringify({
          error: { status: 401, headers: { authorization: `Bearer ${SECRET}` }, body: `{"api_key":"${SECRET}"}` },
        }),
      }),
      call('/v1/me', { token: `Bearer ${SECRET}`, headers: { 'x-request-id': lastMe } }),
    ]);
    for (const answer of answers) assert.ok(!answer.text.includes(SECRET), answer.text);
    // Sent together, so either may be logged last: wait for both.
    await waitForRequestLine(server, lastDiagnosis);
    await waitForRequestLine(server, lastMe);
    assert.ok(!server.logs.join('\n').includes(SECRET));
  });
});
