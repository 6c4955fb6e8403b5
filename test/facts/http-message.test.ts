import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHttpText } from '../../src/facts/http-message.ts';

describe('parseHttpText', () => {
  it('reads a raw response with status line, headers and body, keeping the words around it', () => {
    const parsed = parseHttpText(
      'Customer sent this:\nHTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token"\nContent-Type: application/json\n\n{"error":"invalid_token"}',
    );
    assert.ok(parsed);
    assert.equal(parsed.commentary, 'Customer sent this:');
    assert.equal(parsed.exchange.response?.status, 401);
    assert.equal(parsed.exchange.response?.statusText, 'Unauthorized');
    assert.deepEqual(
      parsed.exchange.response?.headers.map((header) => header.name),
      ['WWW-Authenticate', 'Content-Type'],
    );
    assert.equal(parsed.exchange.response?.body, '{"error":"invalid_token"}');
  });

  it('reads the request that precedes a response', () => {
    const parsed = parseHttpText(
      'GET /v1/devices HTTP/1.1\nHost: api.example.com\nAuthorization: eyJhbGciOiJIUzI1NiJ9.e30.sig\n\nHTTP/2 401\nwww-authenticate: Bearer\n',
    );
    assert.equal(parsed?.exchange.request?.method, 'GET');
    assert.equal(parsed?.exchange.request?.url, 'https://api.example.com/v1/devices');
    assert.equal(parsed?.exchange.response?.status, 401);
  });

  it('reads curl -v output', () => {
    const parsed = parseHttpText(`$ curl -v https://api.example.com/v2/devices -H "Authorization: Bearer abc.def.ghi"
*   Trying 203.0.113.5:443...
* Connected to api.example.com (203.0.113.5) port 443
> GET /v2/devices HTTP/2
> Host: api.example.com
> authorization: Bearer abc.def.ghi
> accept: */*
>
< HTTP/2 403
< content-type: application/json
< www-authenticate: Bearer error="insufficient_scope", scope="devices:read"
<
{ [52 bytes data]
{"error":"insufficient_scope"}
* Connection #0 to host api.example.com left intact`);
    assert.ok(parsed);
    assert.equal(parsed.exchange.request?.method, 'GET');
    assert.equal(parsed.exchange.request?.url, 'https://api.example.com/v2/devices');
    assert.equal(
      parsed.exchange.request?.headers.find((header) => header.name === 'authorization')?.value,
      'Bearer abc.def.ghi',
    );
    assert.equal(parsed.exchange.response?.status, 403);
    assert.equal(parsed.exchange.response?.body, '{"error":"insufficient_scope"}');
  });

  it('leaves free text alone', () => {
    assert.equal(parseHttpText('every call returns 401 after an hour'), null);
  });
});
