import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFailing } from '../../src/facts/failing-exchange.ts';

describe('isFailing', () => {
  it('takes a token introspection that answered 200 with "active": false as failing, and one with "active": true as not', () => {
    const exchange = {
      index: 3,
      request: { method: 'POST', url: 'https://login.idp.example/oauth2/introspect', headers: [] },
      response: { status: 200, headers: [], body: '{"active":false}' },
    };
    assert.equal(isFailing(exchange), true);
    assert.equal(
      isFailing({ ...exchange, response: { ...exchange.response, body: '{"active":true,"scope":"read"}' } }),
      false,
    );
  });
});
