import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DiagnoseInput, observeInput } from '../../src/diagnose/observe-input.ts';
import { errorSignature } from '../../src/facts/error-signature.ts';
import { extractFacts } from '../../src/facts/extract-facts.ts';
import { Redactor } from '../../src/redact/redactor.ts';

const signatureOf = (input: DiagnoseInput) =>
  errorSignature(
    extractFacts(observeInput(input), { clock: () => new Date('2026-12-02T00:00:00Z'), redactor: new Redactor() }),
  );

/** Microsoft Entra's token endpoint answer for a disabled account, as two tenants get it (real error text, ids differ). */
const disabledAccount = (trace: string, correlation: string, time: string) => ({
  error: {
    status: 400,
    body: {
      error: 'invalid_grant',
      error_description: `AADSTS50057: The user account is disabled.\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${time}`,
      error_codes: [50057],
      timestamp: time,
      trace_id: trace,
      correlation_id: correlation,
    },
  },
});

/** Entra's sign-in error for a redirect URI that is not registered, from two tenants' applications. */
const redirectMismatch = (redirect: string, application: string) => ({
  text: `Sign-in fails with: AADSTS50011: The redirect URI '${redirect}' specified in the request does not match the redirect URIs configured for the application '${application}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
});

describe('errorSignature', () => {
  it('is one key for the same error from different tenants: ids, times and quoted values masked', () => {
    const first = signatureOf(
      disabledAccount(
        'b10c3263-8613-4979-ad46-63b2d4ac1501',
        '262255b4-6d20-45e1-b3d6-a5a12a21b980',
        '2021-07-21 07:56:39Z',
      ),
    );
    const second = signatureOf(
      disabledAccount(
        '5f7d76c6-ec57-4833-9d29-6087922e2300',
        '1f207b54-f311-4781-88d1-5a0f0cea3de5',
        '2025-02-26 16:02:16Z',
      ),
    );
    assert.equal(first.key, second.key);
    assert.equal(first.id, second.id);
    assert.equal(first.key, '400 · AADSTS50057, invalid_grant · "the user account is disabled."');

    const tenantA = signatureOf(
      redirectMismatch('https://app-one.example.com/signin-oidc', '3f2b7c1e-9a4d-4e8b-b6a1-0c5d2e7f9a11'),
    );
    const tenantB = signatureOf(
      redirectMismatch('http://localhost:5000/auth/callback', 'd41d8cd9-8f00-4b20-9e98-00998ecf8427'),
    );
    assert.equal(tenantA.key, tenantB.key);
    assert.equal(
      tenantA.template,
      "the redirect uri '<value>' specified in the request does not match the redirect uris configured for the application '<value>'.",
    );
  });

  it('reads the same error alike whether it came as a JSON body or quoted in a log line', () => {
    const body = signatureOf(
      disabledAccount(
        'b10c3263-8613-4979-ad46-63b2d4ac1501',
        '262255b4-6d20-45e1-b3d6-a5a12a21b980',
        '2021-07-21 07:56:39Z',
      ),
    );
    const logLine = signatureOf({
      text: 'Feb 26 17:02:16 ubuntu authd-msentraid[112815]: oauth2: "invalid_grant" "AADSTS50057: The user account is disabled. Trace ID: 5f7d76c6-ec57-4833-9d29-6087922e2300 Correlation ID: 1f207b54-f311-4781-88d1-5a0f0cea3de5 Timestamp: 2025-02-26 16:02:16Z"',
    });
    assert.deepEqual(logLine.codes, body.codes);
    assert.equal(logLine.template, body.template);
    assert.equal(logLine.status, null, 'the log line printed no status');
  });

  it('tells different errors apart', () => {
    const disabled = signatureOf({ text: 'AADSTS50057: The user account is disabled.' });
    const mfa = signatureOf({ text: 'AADSTS50079: The user is required to use multi-factor authentication.' });
    const expired = signatureOf({ text: 'TokenExpiredError: jwt expired' });
    const malformed = signatureOf({ text: 'JsonWebTokenError: jwt malformed' });
    assert.equal(new Set([disabled.key, mfa.key, expired.key, malformed.key]).size, 4);
    assert.deepEqual(expired.exceptions, ['TokenExpiredError']);
    assert.equal(expired.template, 'jwt expired');
  });

  it('takes the status, the challenge error and the exception class, without the package', () => {
    const challenge = signatureOf({
      error: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' },
      },
    });
    assert.equal(challenge.status, 401);
    assert.ok(challenge.codes.includes('invalid_token'));
    const storage = signatureOf({
      text: 'com.microsoft.azure.storage.StorageException: Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    });
    assert.deepEqual(storage.exceptions, ['StorageException']);
    assert.equal(storage.template, 'server failed to authenticate the request.');
  });

  it('keeps no secret and no personal detail: tokens, keys, e-mail addresses and URLs are masked', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const signature = signatureOf({
      text: `Error: token ${jwt} for ana.lopez@example.com rejected by https://api.example.com/v1/orders?key=sk_live_51HxYzAbCdEf0123456789 at 10:42:07`,
    });
    for (const secret of [jwt, 'ana.lopez@example.com', 'sk_live_51HxYzAbCdEf0123456789', 'api.example.com'])
      assert.ok(!signature.key.includes(secret), secret);
    assert.equal(signature.template, 'error: token <token> for <email> rejected by <url> at <time>');
  });

  it('keeps secrets out whatever they are called: a password in the message, an authorization code under `code`', () => {
    const login = signatureOf({ text: 'Error: login failed for password=hunter2-correct-horse' });
    assert.ok(!login.key.includes('hunter2'), login.key);
    assert.match(login.key, /password=<secret>/);
    const exchange = signatureOf({
      error: { status: 400, body: { code: 'SplxlOBeZQQYbYS6WxSbIA', error: 'invalid_grant' } },
    });
    assert.ok(!exchange.key.includes('SplxlOBeZQQYbYS6WxSbIA'), exchange.key);
    assert.deepEqual(exchange.codes, ['invalid_grant']);
    assert.deepEqual(
      signatureOf({ error: { status: 404, body: { code: 'object_not_found', message: 'Could not find database.' } } })
        .codes,
      ['object_not_found'],
    );
  });

  it('says so when nothing machine-printed is in the input, and has a stable short id', () => {
    const story = signatureOf({ text: 'Our customers cannot log in since this morning, please help' });
    assert.equal(story.key, 'no error printed');
    assert.match(story.id, /^[0-9a-f]{16}$/);
    assert.equal(signatureOf({ text: 'Our customers cannot log in since this morning, please help' }).id, story.id);
  });
});
