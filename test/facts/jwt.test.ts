import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findJwts, hostsDiffer, inspectToken } from '../../src/facts/jwt.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import { base64url, makeJwt } from '../support/jwt.ts';

const requestTime = new Date('2026-03-08T14:23:45Z');
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const context = {
  location: 'Authorization header',
  referenceTime: requestTime,
  referenceLabel: 'the request',
  requestHost: 'api.example.com',
  redactor: new Redactor(),
};
const ids = (raw: string, extra = {}): string[] =>
  inspectToken(raw, { ...context, ...extra }).facts.map((fact) => fact.id);

describe('inspectToken', () => {
  it('says how long before the request a token expired', () => {
    const { facts, token } = inspectToken(
      makeJwt({ exp: seconds(requestTime) - 15 * 60, iat: seconds(requestTime) - 75 * 60 }),
      context,
    );
    const expired = facts.find((fact) => fact.id === 'jwt.expired');
    assert.ok(expired);
    assert.match(expired.detail, /token expired 15 min before the request/);
    assert.equal(token.claims?.exp, seconds(requestTime) - 15 * 60);
    assert.match(token.redacted, /^eyJ.{7}…\[redacted:[0-9a-f]{8}\]$/);
  });

  it('finds nothing wrong with a fresh token and notes when it expires', () => {
    const { facts, token } = inspectToken(
      makeJwt({
        exp: seconds(requestTime) + 45 * 60,
        iat: seconds(requestTime) - 60,
        iss: 'https://auth.example.com/',
      }),
      context,
    );
    assert.deepEqual(facts, []);
    assert.ok(token.notes.some((note) => /expires 45 min after the request/.test(note)));
  });

  it('flags not-yet-valid and issued-in-the-future tokens (clock skew)', () => {
    const found = ids(
      makeJwt({ nbf: seconds(requestTime) + 300, iat: seconds(requestTime) + 300, exp: seconds(requestTime) + 3900 }),
    );
    assert.deepEqual(found.sort(), ['jwt.issued-in-future', 'jwt.not-yet-valid']);
  });

  it('flags an unsigned token', () => {
    assert.ok(ids(makeJwt({ exp: seconds(requestTime) + 60 }, { alg: 'none' })).includes('jwt.alg-none'));
  });

  it('flags a staging issuer or audience on a production host, not a sibling auth host', () => {
    assert.ok(
      ids(makeJwt({ iss: 'https://auth.staging.example.com/', exp: seconds(requestTime) + 600 })).includes(
        'jwt.issuer-host-mismatch',
      ),
    );
    assert.ok(
      ids(makeJwt({ aud: 'https://staging-api.example.com', exp: seconds(requestTime) + 600 })).includes(
        'jwt.audience-host-mismatch',
      ),
    );
    assert.deepEqual(
      ids(
        makeJwt({
          iss: 'https://auth.example.com/',
          aud: ['https://api.example.com'],
          exp: seconds(requestTime) + 600,
        }),
      ),
      [],
    );
    assert.equal(hostsDiffer('api.eu.example.com', 'api.us.example.com'), true);
    assert.equal(hostsDiffer('login.example.com', 'api.example.com'), false);
  });

  it('takes an identity provider on another site as normal, whatever its own labels say', () => {
    assert.deepEqual(ids(makeJwt({ iss: 'https://dev-4821.us.auth0.com/', exp: seconds(requestTime) + 600 })), []);
    assert.deepEqual(
      ids(makeJwt({ iss: 'https://login.microsoftonline.com/tenant/v2.0', exp: seconds(requestTime) + 600 })),
      [],
    );
  });

  it('turns hostile claims into facts, never exceptions', () => {
    const hostile = `${base64url({ alg: 'HS256' })}.${base64url('{"exp":1e400,"nbf":"tomorrow","iat":NaN}')}.sig`;
    assert.doesNotThrow(() => inspectToken(hostile, context));
    const valid = `${base64url({ alg: 'HS256' })}.${base64url({ exp: Number.POSITIVE_INFINITY, nbf: 'tomorrow' })}.sig`;
    assert.ok(ids(valid).includes('jwt.claim-invalid'));
    assert.ok(ids(`eyJ${'A'.repeat(3 * 1024 * 1024)}`).includes('jwt.undecodable'));
    assert.ok(ids('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx').includes('token.truncated'));
    assert.ok(ids('eyJub3QganNvbg.eyJzdWIiOiIx.sig').includes('jwt.undecodable'));
  });

  it('finds JWT-shaped strings in text, capped', () => {
    const token = makeJwt({ sub: 'a' });
    assert.deepEqual(findJwts(`before ${token} after`), [token]);
    assert.equal(findJwts(`${token} `.repeat(100)).length, 20);
  });
});
