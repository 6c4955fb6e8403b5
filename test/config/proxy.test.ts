import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/limits.ts';
import { ProxyTrust, parseAddress, readPublicOrigin } from '../../src/config/proxy.ts';

describe('TRUST_PROXY', () => {
  it('matches addresses, CIDR ranges and named ranges, IPv4 and IPv6, with dual-stack peers as IPv4', () => {
    const trust = ProxyTrust.parse('10.0.0.0/8, 192.168.1.7, fd00::/8, loopback');
    for (const address of [
      '10.1.2.3',
      '192.168.1.7',
      'fd12:3456::1',
      '127.0.0.1',
      '127.9.9.9',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '[::1]',
    ])
      assert.ok(trust.trusts(address), address);
    for (const address of [
      '11.0.0.1',
      '192.168.1.8',
      'fe80::1',
      '2001:db8::1',
      '::ffff:192.168.1.8',
      'not-an-address',
      '',
      '1.2.3',
    ])
      assert.ok(!trust.trusts(address), address);
    assert.ok(ProxyTrust.parse('private').trusts('172.20.0.5'));
    assert.ok(!ProxyTrust.parse('private').trusts('172.32.0.5'));
    assert.ok(!ProxyTrust.parse('').enabled);
    assert.ok(!ProxyTrust.none().trusts('127.0.0.1'));
  });

  it('refuses a value that is not an address or range, naming the setting', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0/8', '::1/129', '1.2.3.4/x', '10.0.0.0/-1', ':::1']) {
      assert.throws(
        () => ProxyTrust.parse(bad),
        (error: unknown) => error instanceof ConfigError && /^TRUST_PROXY: /.test(error.message),
        bad,
      );
    }
  });

  it('reads IPv6 in its long, short and embedded-IPv4 spellings alike', () => {
    assert.equal(parseAddress('2001:db8:0:0:0:0:0:1')?.value, parseAddress('2001:db8::1')?.value);
    assert.equal(parseAddress('64:ff9b::192.0.2.33')?.value, parseAddress('64:ff9b::c000:221')?.value);
    assert.equal(parseAddress('fe80::1%eth0')?.family, 6);
    assert.equal(parseAddress('1:2:3:4:5:6:7:8:9'), null);
    assert.equal(parseAddress('1::2::3'), null);
  });
});

describe('PUBLIC_ORIGIN', () => {
  it('accepts one exact origin and refuses paths, other schemes and non-URLs', () => {
    assert.equal(readPublicOrigin('https://help.example.com/'), 'https://help.example.com');
    assert.equal(readPublicOrigin(''), null);
    for (const bad of ['help.example.com', 'https://help.example.com/support', 'ftp://help.example.com'])
      assert.throws(() => readPublicOrigin(bad), /PUBLIC_ORIGIN: /, bad);
  });
});
