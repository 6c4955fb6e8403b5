import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { hmacSha256, sha256 } from '../../src/redact/sha256.ts';
import { toHex } from '../../src/text/hex.ts';

describe('sha256 and hmacSha256', () => {
  it('agree with Node crypto on edge lengths and random inputs', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
      const data = randomBytes(length);
      assert.equal(toHex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`);
      const key = randomBytes(length % 100);
      assert.equal(
        toHex(hmacSha256(key, data)),
        createHmac('sha256', key).update(data).digest('hex'),
        `hmac length ${length}`,
      );
    }
  });

  it('hashes the FIPS 180-4 example "abc"', () => {
    assert.equal(
      toHex(sha256(new TextEncoder().encode('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
