import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractFacts } from '../../src/facts/extract-facts.ts';

const clock = () => new Date('2026-03-08T14:23:45Z');

describe('extractFacts', () => {
  it("reads a vendor's error-code header as an error code, wherever the body says nothing", () => {
    const facts = extractFacts(
      {
        kind: 'error',
        text: '',
        exchanges: [
          {
            index: 0,
            response: {
              status: 403,
              headers: [
                {
                  name: 'x-amzn-ErrorType',
                  value:
                    'MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/',
                },
                { name: 'x-ms-error-code', value: 'AuthenticationFailed' },
              ],
              body: '{"message":"Missing Authentication Token"}',
            },
          },
        ],
      },
      { clock },
    );
    assert.deepEqual(
      facts.errorCodes.map((found) => found.code),
      ['missingauthenticationtokenexception', 'authenticationfailed'],
    );
    assert.match(facts.errorCodes[0]!.where, /x-amzn-ErrorType/);
  });

  it('reads an Authorization header quoted in a report by its scheme and name, never by the prose after it, and never shows the credential', () => {
    const ids = (text: string) =>
      extractFacts({ kind: 'text', text, exchanges: [] }, { clock }).facts.map((fact) => fact.id);
    assert.deepEqual(ids('I send Authorization: JWT eyJhbGciOiJIUzI1NiJ9.e30.sig-abc123 and the API answers 401'), [
      'auth.scheme-missing',
    ]);
    assert.deepEqual(ids('curl -H "Authorization: $API_TOKEN" https://api.example.com/v1/me'), ['auth.scheme-missing']);
    assert.deepEqual(ids("headers: { 'Authentication': 'Bearer abc123' }"), ['auth.header-misnamed']);
    assert.deepEqual(ids('The header is Authorization: Bearer abc123, and the API returns 401 after an hour.'), []);
    assert.deepEqual(ids('Our Authorization header is sent on every call'), []);
    const detail = extractFacts(
      { kind: 'text', text: 'Authorization: JWT s3cr3t-value-that-must-not-show', exchanges: [] },
      { clock },
    ).facts[0]!.detail;
    assert.ok(!detail.includes('s3cr3t-value-that-must-not-show'), detail);
  });

  it('reads a challenge a client printed without the header name, once', () => {
    const facts = (text: string) =>
      extractFacts({ kind: 'text', text, exchanges: [] }, { clock }).facts.map((fact) => fact.id);
    assert.deepEqual(
      facts('npm ERR! code E401 Unable to authenticate, need: Bearer realm="registry", Basic realm="registry"'),
      ['www-authenticate.scheme=bearer', 'www-authenticate.no-error', 'www-authenticate.scheme=basic'],
    );
    assert.deepEqual(facts('WWW-Authenticate: Bearer realm="api"'), [
      'www-authenticate.scheme=bearer',
      'www-authenticate.no-error',
    ]);
    assert.deepEqual(facts('the realm is called "api" and we use Bearer tokens'), []);
  });

  it('takes an OAuth error in a redirect URL as an error code and its description as text', () => {
    const facts = extractFacts(
      {
        kind: 'har',
        text: '',
        exchanges: [
          {
            index: 0,
            request: {
              method: 'GET',
              url: 'https://app.example.com/callback?error=interaction_required&error_description=AADSTS50076%3A+multi-factor+authentication+required',
              headers: [],
            },
            response: { status: 200, headers: [] },
          },
        ],
      },
      { clock },
    );
    assert.deepEqual(
      facts.errorCodes.map((found) => found.code),
      ['interaction_required'],
    );
    assert.ok(facts.texts.some((text) => text.includes('AADSTS50076: multi-factor authentication required')));
  });

  it('reads a token introspection that answered 200 with "active": false as the failure it is', () => {
    const exchange = {
      index: 3,
      request: { method: 'POST', url: 'https://login.idp.example/oauth2/introspect', headers: [] },
      response: { status: 200, headers: [], body: '{"active":false}' },
    };
    const facts = extractFacts({ kind: 'har', text: '', exchanges: [exchange] }, { clock });
    assert.ok(facts.facts.some((fact) => fact.id === 'token.inactive'));
  });
});
