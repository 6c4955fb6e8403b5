import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { termsOf, tokenize } from '../../src/kb/vocabulary.ts';

describe('vocabulary', () => {
  it("treats the field's synonyms as one term", () => {
    assert.deepEqual(termsOf('Unauthorized'), termsOf('401'));
    assert.deepEqual(termsOf('Forbidden'), termsOf('403'));
    assert.deepEqual(termsOf('expired'), termsOf('expiry'));
    assert.deepEqual(termsOf('expiration'), termsOf('expires'));
    assert.deepEqual(termsOf('JWT'), termsOf('token'));
    assert.deepEqual(termsOf('authentication'), termsOf('authorization'));
    assert.deepEqual(termsOf('auth'), termsOf('authorization'));
  });

  it('splits camelCase names and keeps codes whole', () => {
    assert.deepEqual(tokenize('TokenExpiredError IDX10223 invalid_grant'), [
      'Token',
      'Expired',
      'Error',
      'IDX10223',
      'invalid',
      'grant',
    ]);
  });

  it('reads camelCase names that are one word to their writers (SameSite, withCredentials) as one word', () => {
    assert.deepEqual(termsOf('SameSite=None'), termsOf('samesite none'));
    assert.deepEqual(termsOf('withCredentials: true'), termsOf('withcredentials true'));
    assert.ok(termsOf('SameSite').length === 1 && termsOf('SameSite')[0] !== termsOf('site')[0]);
  });

  it('reads Chinese, Japanese and Korean character by character, so a word is found inside a sentence without spaces', () => {
    assert.deepEqual(tokenize('token生成得只有4小时时效'), [
      'token',
      '生',
      '成',
      '得',
      '只',
      '有',
      '4',
      '小',
      '时',
      '时',
      '效',
    ]);
    const sentence = termsOf('토큰이 만료되었습니다');
    const word = termsOf('만료');
    assert.ok(
      sentence.some((_, at) => word.every((term, offset) => sentence[at + offset] === term)),
      sentence.join(' '),
    );
    // A sentence longer than any single word is still read, not dropped as a blob.
    assert.equal(
      termsOf('之后就报错说访问令牌已经过期了请问怎么办才能永远使用这个令牌呢谢谢大家的帮助和回答').length > 40,
      true,
    );
  });

  it('drops stop words unless asked to keep them, reading every negation as "not"', () => {
    assert.deepEqual(termsOf('the token is not valid'), termsOf('token valid'));
    assert.deepEqual(
      termsOf('no credentials were provided', true),
      ['not', 'credenti', 'provid'],
      'negations kept, auxiliaries read past',
    );
  });

  it('ignores runs too long to be words (base64 blobs)', () => {
    assert.deepEqual(termsOf('A'.repeat(500)), []);
  });
});
