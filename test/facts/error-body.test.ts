import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readErrorBody } from '../../src/facts/error-body.ts';

describe('readErrorBody', () => {
  it('reads OAuth error bodies', () => {
    const reading = readErrorBody('{"error":"invalid_grant","error_description":"Refresh token expired"}');
    assert.deepEqual(reading.codes, ['invalid_grant']);
    assert.deepEqual(reading.messages, ['Refresh token expired']);
  });

  it('reads nested error objects with message, code and status', () => {
    const reading = readErrorBody(
      '{"error":{"message":"Invalid API key provided","code":"invalid_api_key","status":401}}',
    );
    assert.deepEqual(reading.codes, ['invalid_api_key']);
    assert.ok(reading.messages.includes('Invalid API key provided'));
    assert.equal(reading.status, 401);
  });

  it('reads problem+json, error lists and introspection answers', () => {
    assert.ok(
      readErrorBody('{"title":"Unauthorized","detail":"No credentials were provided","status":401}').messages.includes(
        'No credentials were provided',
      ),
    );
    assert.ok(
      readErrorBody('{"errors":[{"message":"CSRF token missing","code":"csrf_failed"}]}').codes.includes('csrf_failed'),
    );
    assert.equal(readErrorBody('{"active": false}').inactive, true);
  });

  it('reads XML error documents and HTML pages', () => {
    const xml = readErrorBody(
      '<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>',
    );
    assert.deepEqual(xml.codes, ['SignatureDoesNotMatch']);
    assert.ok(xml.messages[0]?.startsWith('The request signature'));
    assert.ok(
      readErrorBody('<html><body><h1>403 Forbidden</h1><script>x()</script></body></html>').messages.includes(
        '403 Forbidden',
      ),
    );
  });

  it('treats anything else as a message, and survives deep or huge JSON', () => {
    assert.deepEqual(readErrorBody('TokenExpiredError: jwt expired').messages, ['TokenExpiredError: jwt expired']);
    assert.doesNotThrow(() => readErrorBody('['.repeat(10_000) + ']'.repeat(10_000)));
    assert.doesNotThrow(() => readErrorBody(JSON.stringify({ error: 'x'.repeat(3_000_000) })));
  });
});
