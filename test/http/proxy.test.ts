import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyTrust } from '../../src/config/proxy.ts';
import { clientView } from '../../src/http/proxy.ts';

const request = (headers: Record<string, string> = {}, url = 'http://127.0.0.1:8787/v1/search'): Request =>
  new Request(url, { headers });

describe('the client behind a proxy', () => {
  const settings = { publicOrigin: null, trust: ProxyTrust.parse('10.0.0.0/8') };

  it('takes the client from X-Forwarded-For only when the peer is a trusted proxy, walking past trusted hops', () => {
    assert.equal(
      clientView(request({ 'x-forwarded-for': '203.0.113.9' }), '198.51.100.1', settings).address,
      '198.51.100.1',
      'a direct client cannot choose its address',
    );
    assert.equal(
      clientView(request({ 'x-forwarded-for': '203.0.113.9' }), '10.0.0.2', settings).address,
      '203.0.113.9',
    );
    assert.equal(
      clientView(request({ 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.5' }), '10.0.0.2', settings).address,
      '203.0.113.9',
      'what the client claimed further left is ignored',
    );
    assert.equal(
      clientView(request({ 'x-forwarded-for': 'garbage, 203.0.113.9' }), '10.0.0.2', settings).address,
      '203.0.113.9',
    );
    assert.equal(
      clientView(request({ 'x-forwarded-for': '203.0.113.9, garbage' }), '10.0.0.2', settings).address,
      '10.0.0.2',
      'a malformed hop ends the walk at the last known one',
    );
    assert.equal(clientView(request(), '10.0.0.2', settings).address, '10.0.0.2');
    assert.equal(clientView(request(), undefined, settings).address, 'unknown');
  });

  it('takes the origin from PUBLIC_ORIGIN, else from a trusted proxy, else from the request', () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'help.example.com' };
    assert.equal(clientView(request(forwarded), '10.0.0.2', settings).origin, 'https://help.example.com');
    assert.equal(
      clientView(request(forwarded), '198.51.100.1', settings).origin,
      'http://127.0.0.1:8787',
      'an untrusted peer cannot name the origin',
    );
    assert.equal(
      clientView(
        request({ 'x-forwarded-proto': 'https', host: 'help.example.com:8443' }, 'http://help.example.com:8443/'),
        '10.0.0.2',
        settings,
      ).origin,
      'https://help.example.com:8443',
    );
    assert.equal(
      clientView(request({ 'x-forwarded-host': 'bad host/evil' }), '10.0.0.2', settings).origin,
      'http://127.0.0.1:8787',
    );
    assert.equal(
      clientView(request(forwarded), '10.0.0.2', { ...settings, publicOrigin: 'https://support.example.org' }).origin,
      'https://support.example.org',
    );
  });
});
