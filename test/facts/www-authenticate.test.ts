import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from '../../src/facts/www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge with quoted parameters (RFC 6750)', () => {
    assert.deepEqual(
      parseWwwAuthenticate(
        'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      ),
      [
        {
          scheme: 'bearer',
          params: { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' },
        },
      ],
    );
  });

  it('splits several challenges in one header and keeps commas inside quotes', () => {
    const challenges = parseWwwAuthenticate(
      'Basic realm="legacy, v1", Bearer realm="api", scope="read write", error=insufficient_scope',
    );
    assert.deepEqual(
      challenges.map((challenge) => challenge.scheme),
      ['basic', 'bearer'],
    );
    assert.equal(challenges[0]?.params.realm, 'legacy, v1');
    assert.equal(challenges[1]?.params.scope, 'read write');
    assert.equal(challenges[1]?.params.error, 'insufficient_scope');
  });

  it('unescapes quoted-pairs and lower-cases parameter names', () => {
    const [challenge] = parseWwwAuthenticate('Bearer Error="invalid_token", Error_Description="say \\"hi\\""');
    assert.equal(challenge?.params.error, 'invalid_token');
    assert.equal(challenge?.params.error_description, 'say "hi"');
  });

  it('reads token68 challenges and bare schemes', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXag==, Bearer'), [
      { scheme: 'negotiate', params: {}, token68: 'YIIBhgYGKwYBBQUCoIIBejCCAXag==' },
      { scheme: 'bearer', params: {} },
    ]);
  });

  it('survives garbage and unterminated quotes without throwing', () => {
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate('Bearer error="unterminated'), [
      { scheme: 'bearer', params: { error: 'unterminated' } },
    ]);
    assert.doesNotThrow(() => parseWwwAuthenticate(`"""===,,,@@@ ${'a=,'.repeat(10_000)}`));
  });
});
