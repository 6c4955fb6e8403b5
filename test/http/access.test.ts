import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { readAuthConfig } from '../../src/config/auth.ts';
import { ConfigError, DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { createApp } from '../../src/http/app.ts';
import { createVerifier } from '../../src/http/auth.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const SECRET = 'a-very-long-shared-secret-of-at-least-32-bytes!';
const env = { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://fixpath.example.com', AUTH_AUDIENCE: 'fixpath' };

describe('secure defaults at start-up', () => {
  it('runs in local mode only on loopback, and refuses to listen beyond without sign-in', () => {
    assert.deepEqual(readAuthConfig({}, '127.0.0.1'), { mode: 'local' });
    assert.deepEqual(readAuthConfig({}, '::1'), { mode: 'local' });
    assert.throws(
      () => readAuthConfig({}, '0.0.0.0'),
      (error: unknown) =>
        error instanceof ConfigError &&
        /AUTH_JWT_SECRET.*AUTH_JWKS_URL.*AUTH_ISSUER and AUTH_AUDIENCE/.test(error.message),
    );
  });

  it('refuses weak or incomplete sign-in settings, naming what to fix', () => {
    assert.throws(
      () => readAuthConfig({ ...env, AUTH_JWT_SECRET: 'short' }, '0.0.0.0'),
      /5 bytes; HS256 needs at least 32/,
    );
    assert.throws(
      () => readAuthConfig({ AUTH_JWT_SECRET: SECRET }, '0.0.0.0'),
      /AUTH_ISSUER and AUTH_AUDIENCE are required/,
    );
    assert.throws(
      () => readAuthConfig({ ...env, AUTH_JWKS_URL: 'https://idp.example.com/jwks' }, '0.0.0.0'),
      /either AUTH_JWT_SECRET or AUTH_JWKS_URL/,
    );
    assert.throws(
      () =>
        readAuthConfig(
          { AUTH_JWKS_URL: 'http://idp.example.com/jwks', AUTH_ISSUER: 'x', AUTH_AUDIENCE: 'y' },
          '0.0.0.0',
        ),
      /must use https/,
    );
    assert.equal(readAuthConfig(env, '0.0.0.0').mode, 'secret');
  });

  it('the server itself refuses to start on 0.0.0.0 without sign-in, and says why', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'node.ts')], {
      cwd: ROOT,
      env: { ...process.env, HOST: '0.0.0.0', PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /"event":"start-failed".*AUTH_JWT_SECRET/);
  });
});

describe('HS256 sign-in with a shared secret', () => {
  const app = createApp({ library: () => library, verifier: createVerifier(readAuthConfig(env, '0.0.0.0')) });
  const sign = (claims: Record<string, unknown>, alg = 'HS256', key: Uint8Array = new TextEncoder().encode(SECRET)) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg })
      .setIssuer(env.AUTH_ISSUER)
      .setAudience(env.AUTH_AUDIENCE)
      .setSubject('ana')
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token signed with the secret and refuses other algorithms', async () => {
    assert.equal((await app.request('/v1/me', { headers: { authorization: `Bearer ${await sign({})}` } })).status, 200);
    const hs512 = await sign({}, 'HS512', new TextEncoder().encode(`${SECRET}${SECRET}`));
    const refused = await app.request('/v1/me', { headers: { authorization: `Bearer ${hs512}` } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /algorithm this server does not accept/);
  });
});

describe('rate limits for the public', () => {
  it('answers 429 with Retry-After and RateLimit headers past the budget, tighter for uploads, and not for agents', async () => {
    let client = 'client-a';
    const app = createApp({
      library: () => library,
      limits: { ...DEFAULT_LIMITS, rateLimitPerMinute: 5, uploadRateLimitPerMinute: 2 },
      verifier: createVerifier(readAuthConfig(env, '0.0.0.0')),
      peerAddress: () => client,
    });
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await app.request('/v1/search?q=token');
      statuses.push(response.status);
      if (index === 0) {
        assert.equal(response.headers.get('ratelimit-policy'), '"requests";q=5;w=60');
        assert.match(response.headers.get('ratelimit') ?? '', /^"requests";r=4;t=\d+$/);
      }
      if (response.status === 429) {
        assert.ok(Number(response.headers.get('retry-after')) >= 1);
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);

    client = 'client-b';
    const upload = () => {
      const form = new FormData();
      form.set('file', new Blob(['HTTP/1.1 401\n\njwt expired']), 'paste.txt');
      return app.request('/v1/diagnose', { method: 'POST', body: form });
    };
    assert.deepEqual([(await upload()).status, (await upload()).status, (await upload()).status], [200, 200, 429]);

    client = 'client-a';
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(env.AUTH_ISSUER)
      .setAudience(env.AUTH_AUDIENCE)
      .setSubject('ana')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    assert.equal(
      (await app.request('/v1/search?q=token', { headers: { authorization: `Bearer ${token}` } })).status,
      200,
      'agents are not limited',
    );
  });
});
