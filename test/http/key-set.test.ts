import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAuthConfig } from '../../src/config/auth.ts';
import { createApp } from '../../src/http/app.ts';
import { createVerifier } from '../../src/http/auth.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { type JwksServer, startJwksServer } from '../support/jwks-server.ts';
import { ROOT } from '../support/server.ts';

const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const COOLDOWN_MS = 2_000;
const TIMEOUT_MS = 300;
const MAX_AGE_MS = 60_000;

let jwks: JwksServer;
before(async () => {
  jwks = await startJwksServer(2_000);
});
after(async () => {
  await jwks.stop();
});

/** The app in-process with JWKS sign-in against the local key set, on a clock the test moves. */
function signedInApp(settings: Record<string, string> = {}) {
  let time = Date.now();
  const config = readAuthConfig(
    {
      AUTH_JWKS_URL: jwks.url,
      AUTH_ISSUER: jwks.issuer,
      AUTH_AUDIENCE: jwks.audience,
      AUTH_JWKS_TIMEOUT_MS: String(TIMEOUT_MS),
      AUTH_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
      AUTH_JWKS_MAX_AGE_MS: String(MAX_AGE_MS),
      ...settings,
    },
    '0.0.0.0',
  );
  const app = createApp({ library: () => library, verifier: createVerifier(config, { now: () => time }) });
  return {
    advance: (ms: number) => {
      time += ms;
    },
    /** The test clock as a JWT NumericDate, to stamp `iat`. */
    seconds: (offsetMs = 0) => Math.floor((time + offsetMs) / 1000),
    async me(token: string) {
      const response = await app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        challenge: response.headers.get('www-authenticate') ?? '',
        text: await response.text(),
      };
    },
  };
}

/** Every way a key set can fail to arrive, and how to bring it back. */
const OUTAGES = ['down', 'refuse', 'not-json', 'slow'] as const;

describe('a key set that cannot be fetched is told as an outage, not as a bad token', () => {
  for (const [outage, sinceLastFetchMs] of OUTAGES.flatMap(
    (outage) =>
      [
        [outage, 0],
        [outage, COOLDOWN_MS + 1],
      ] as const,
  )) {
    it(`answers 503 with Retry-After, never 401, for a key published ${sinceLastFetchMs} ms after the last fetch, just before the outage (${outage}), and verifies it after recovery`, async () => {
      const fixpath = signedInApp();
      assert.equal((await fixpath.me(await jwks.sign())).status, 200, 'the set is fetched while the provider is up');
      fixpath.advance(sinceLastFetchMs);
      const kid = `new-${outage}-${sinceLastFetchMs}`;
      await jwks.publishKey(kid);
      await jwks.mode(outage);
      try {
        const token = await jwks.sign({}, { kid });
        const seen = new Map<string, number>();
        // 10 s of the outage, every 250 ms, four requests at once.
        for (let step = 0; step < 40; step += 1) {
          for (const answer of await Promise.all(Array.from({ length: 4 }, () => fixpath.me(token)))) {
            const key = `${answer.status} retry-after ${answer.retryAfter}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            assert.equal(answer.status, 503, `${answer.status} ${answer.challenge} ${answer.text}`);
            assert.match(answer.text, /key set/);
            const retryAfter = Number(answer.retryAfter);
            assert.ok(
              Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= COOLDOWN_MS / 1000,
              `Retry-After: ${answer.retryAfter}`,
            );
          }
          fixpath.advance(250);
        }
        assert.deepEqual([...seen.keys()].sort(), ['503 retry-after 1', '503 retry-after 2']);
      } finally {
        await jwks.mode('up');
      }
      fixpath.advance(COOLDOWN_MS);
      assert.equal((await fixpath.me(await jwks.sign({}, { kid }))).status, 200, 'after recovery the new key verifies');
    });
  }

  it('says how long until the next fetch in Retry-After', async () => {
    const fixpath = signedInApp();
    await jwks.mode('down');
    try {
      assert.equal((await fixpath.me(await jwks.sign())).retryAfter, '2', 'just fetched: the whole cooldown');
      fixpath.advance(1_500);
      assert.equal((await fixpath.me(await jwks.sign())).retryAfter, '1');
      fixpath.advance(499);
      assert.equal((await fixpath.me(await jwks.sign())).retryAfter, '1', 'never 0');
    } finally {
      await jwks.mode('up');
    }
  });

  it('keeps verifying known keys from the cached set during the outage, without fetching', async () => {
    const fixpath = signedInApp();
    const token = await jwks.sign();
    assert.equal((await fixpath.me(token)).status, 200);
    await jwks.mode('down');
    try {
      const fetches = jwks.fetches();
      for (let step = 0; step < 20; step += 1) {
        assert.equal((await fixpath.me(token)).status, 200);
        fixpath.advance(1_000);
      }
      assert.equal(jwks.fetches() - fetches, 0, 'a known kid needs no fetch');
      // Past the set's maximum age a refresh is tried in the background; the old set keeps serving.
      fixpath.advance(MAX_AGE_MS);
      for (let step = 0; step < 10; step += 1) {
        assert.equal((await fixpath.me(token)).status, 200);
        fixpath.advance(1_000);
      }
      assert.ok(
        jwks.fetches() - fetches >= 1 && jwks.fetches() - fetches <= 5,
        `${jwks.fetches() - fetches} background fetches`,
      );
    } finally {
      await jwks.mode('up');
    }
  });

  it('refuses with 401 invalid_token a kid that a fetch made after the token was issued does not publish', async () => {
    const fixpath = signedInApp();
    assert.equal((await fixpath.me(await jwks.sign())).status, 200);
    fixpath.advance(COOLDOWN_MS);
    const fetches = jwks.fetches();
    const fresh = await fixpath.me(await jwks.sign({}, { kid: 'never-published', issuedAt: fixpath.seconds() }));
    assert.equal(jwks.fetches() - fetches, 1, 'an unknown kid after the cooldown refetches once');
    assert.equal(fresh.status, 401);
    assert.match(fresh.challenge, /error="invalid_token"/);
    fixpath.advance(1_000);
    const cooling = await fixpath.me(
      await jwks.sign({}, { kid: 'also-never-published', issuedAt: fixpath.seconds(-5_000) }),
    );
    assert.equal(cooling.status, 401, 'within the cooldown, issued before the fetch');
    assert.equal(jwks.fetches() - fetches, 1);
  });

  it('answers 503 within the cooldown for a token issued after the set was fetched, then looks again', async () => {
    const fixpath = signedInApp();
    assert.equal((await fixpath.me(await jwks.sign())).status, 200);
    fixpath.advance(1_000);
    const fetches = jwks.fetches();
    const newer = await fixpath.me(await jwks.sign({}, { kid: 'rotated-in', issuedAt: fixpath.seconds() }));
    assert.equal(newer.status, 503, 'its key may have been published since: only a fetch can tell');
    assert.equal(newer.retryAfter, '1');
    assert.equal(jwks.fetches() - fetches, 0, 'and the cooldown holds');
    await jwks.publishKey('rotated-in');
    fixpath.advance(1_000);
    assert.equal(
      (await fixpath.me(await jwks.sign({}, { kid: 'rotated-in', issuedAt: fixpath.seconds(-1_000) }))).status,
      200,
    );
    assert.equal(jwks.fetches() - fetches, 1);
  });

  it('answers 503 on a first request during an outage and 401 for an unknown kid once it is back', async () => {
    const fixpath = signedInApp();
    await jwks.mode('refuse');
    try {
      assert.equal((await fixpath.me(await jwks.sign())).status, 503);
    } finally {
      await jwks.mode('up');
    }
    assert.equal(
      (await fixpath.me(await jwks.sign({}, { kid: 'unknown' }))).status,
      503,
      'still in the cooldown of the failed fetch',
    );
    fixpath.advance(COOLDOWN_MS);
    assert.equal((await fixpath.me(await jwks.sign({}, { kid: 'unknown' }))).status, 401);
    assert.equal((await fixpath.me(await jwks.sign())).status, 200);
  });
});

describe('unknown key ids cannot make fixpath hammer the identity provider', () => {
  it('fetches a failing key set at most once per 2 s cooldown while 2000 requests with random kids arrive over 10 s', async () => {
    const fixpath = signedInApp();
    await jwks.mode('down');
    const fetches = jwks.fetches();
    const statuses = new Map<number, number>();
    try {
      // 10 s in steps of 50 ms, ten requests at once per step: 2000 requests, each with a new kid.
      for (let step = 0; step < 200; step += 1) {
        const tokens = await Promise.all(
          Array.from({ length: 10 }, (_, index) => jwks.sign({}, { kid: `random-${step}-${index}-${Math.random()}` })),
        );
        for (const answer of await Promise.all(tokens.map((token) => fixpath.me(token))))
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        fixpath.advance(50);
      }
    } finally {
      await jwks.mode('up');
    }
    const made = jwks.fetches() - fetches;
    assert.deepEqual([...statuses], [[503, 2000]]);
    console.log(`${made} fetches of the failing key set for 2000 random kids in 10 s`);
    assert.ok(made >= 1 && made <= 5, `${made} fetches in 10 s`);
  });

  it('shares one fetch among concurrent requests', async () => {
    const fixpath = signedInApp();
    await jwks.mode('slow');
    const fetches = jwks.fetches();
    try {
      const tokens = await Promise.all(
        Array.from({ length: 200 }, (_, index) => jwks.sign({}, { kid: `concurrent-${index}` })),
      );
      const answers = await Promise.all(tokens.map((token) => fixpath.me(token)));
      assert.ok(answers.every((answer) => answer.status === 503));
    } finally {
      await jwks.mode('up');
    }
    assert.equal(jwks.fetches() - fetches, 1);
  });
});
