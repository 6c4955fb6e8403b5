import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCredentials } from '../../src/facts/credentials.ts';
import { Redactor } from '../../src/redact/redactor.ts';

const request = (headers: Array<[string, string]>, url = 'https://api.example.com/v1/orders') => ({
  method: 'GET',
  url,
  headers: headers.map(([name, value]) => ({ name, value })),
});
const ids = (headers: Array<[string, string]>, url?: string, sanitized = false): string[] =>
  readCredentials(request(headers, url), new Redactor(), { sanitized }).facts.map((fact) => fact.id);

describe('readCredentials', () => {
  it('notices a request with no credential at all, unless the capture was sanitized', () => {
    assert.deepEqual(ids([['Accept', 'application/json']]), ['auth.header-missing']);
    assert.deepEqual(ids([['Accept', 'application/json']], undefined, true), []);
  });

  it('notices a token without its Bearer scheme', () => {
    assert.deepEqual(ids([['Authorization', 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln']]), ['auth.scheme-missing']);
  });

  it('notices a misnamed header, Basic where Bearer is expected, and a token in the query', () => {
    assert.ok(ids([['Authentication', 'Bearer abc.def.ghi']]).includes('auth.header-misnamed'));
    assert.ok(ids([['Authorization', 'Basic dXNlcjpwYXNz']]).includes('auth.scheme-basic'));
    assert.ok(ids([], 'https://api.example.com/v1?access_token=abc123').includes('auth.token-in-query'));
  });

  it('notices whitespace, line breaks and quotes inside the credential', () => {
    assert.ok(ids([['Authorization', 'Bearer abc.def\n.ghi']]).includes('token.whitespace'));
    assert.ok(ids([['Authorization', 'Bearer "abc.def.ghi"']]).includes('token.quoted'));
    assert.ok(ids([['x-api-key', ' key-with-space ']]).includes('token.whitespace'));
  });

  it('accepts a well-formed bearer token without comment, and shows only a redacted value', () => {
    const reading = readCredentials(
      request([['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl']]),
      new Redactor(),
    );
    assert.deepEqual(reading.facts, []);
    assert.equal(reading.credentials[0]?.scheme, 'Bearer');
  });
});
