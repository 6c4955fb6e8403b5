import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { termsOf, tokenize } from '../../src/kb/vocabulary.ts';

describe('vocabulary', () => {
  it('treats the field\'s synonyms as one term', () => {
    assert.deepEqual(termsOf('Unauthorized'), termsOf('401'));
    assert.deepEqual(termsOf('Forbidden'), termsOf('403'));
    assert.deepEqual(termsOf('expired'), termsOf('expiry'));
    assert.deepEqual(termsOf('expiration'), termsOf('expires'));
    assert.deepEqual(termsOf('JWT'), termsOf('token'));
    assert.deepEqual(termsOf('authentication'), termsOf('authorization'));
    assert.deepEqual(termsOf('auth'), termsOf('authorization'));
  });

  it('splits camelCase names and keeps codes whole', () => {
    assert.deepEqual(tokenize('TokenExpiredError IDX10223 invalid_grant'), ['Token', 'Expired', 'Error', 'IDX10223', 'invalid', 'grant']);
  });

  it('reads camelCase names that are one word to their writers (SameSite, withCredentials) as one word', () => {
    assert.deepEqual(termsOf('SameSite=None'), termsOf('samesite none'));
    assert.deepEqual(termsOf('withCredentials: true'), termsOf('withcredentials true'));
    assert.ok(termsOf('SameSite').length === 1 && termsOf('SameSite')[0] !== termsOf('site')[0]);
  });

  it('drops stop words unless asked to keep them, reading every negation as "not"', () => {
    assert.deepEqual(termsOf('the token is not valid'), termsOf('token valid'));
    assert.deepEqual(termsOf('no credentials were provided', true), ['not', 'credenti', 'provid'], 'negations kept, auxiliaries read past');
  });

  it('ignores runs too long to be words (base64 blobs)', () => {
    assert.deepEqual(termsOf('A'.repeat(500)), []);
  });
});
