import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { WARM_UP_STEPS, warmUp, warmUpLibrary } from '../../src/http/warm-up.ts';
import { Redactor } from '../../src/redact/redactor.ts';

/**
 * The Worker warms up in its global scope, where workerd refuses random values and any Request
 * or Response with a body (test/worker checks it there). Here the same rules are imposed on
 * Node's globals, so a change that makes the warm-up draw a random value or build a Response
 * fails without workerd.
 */
function withGlobalScopeRules<T>(work: () => T): { result: T; refused: string[] } {
  const refused: string[] = [];
  const saved = {
    getRandomValues: crypto.getRandomValues,
    randomUUID: crypto.randomUUID,
    Request: globalThis.Request,
    Response: globalThis.Response,
  };
  const refuse = (what: string) => () => {
    refused.push(what);
    throw new Error(`Disallowed operation called within global scope: ${what}`);
  };
  Object.assign(crypto, { getRandomValues: refuse('getRandomValues'), randomUUID: refuse('randomUUID') });
  Object.assign(globalThis, { Request: refuse('new Request'), Response: refuse('new Response') });
  try {
    return { result: work(), refused };
  } finally {
    Object.assign(crypto, { getRandomValues: saved.getRandomValues, randomUUID: saved.randomUUID });
    Object.assign(globalThis, { Request: saved.Request, Response: saved.Response });
  }
}

describe('the warm-up', () => {
  it('runs every step without I/O objects or random values, as a Worker global scope must', () => {
    const { result, refused } = withGlobalScopeRules(() => warmUp());
    assert.deepEqual(refused, []);
    assert.equal(result, WARM_UP_STEPS);
  });

  it('builds its library of 64 articles without a problem, and diagnoses on it as on a real one', () => {
    const { kb, index } = warmUpLibrary();
    assert.equal(kb.articles.length, 64);
    assert.equal(kb.causes.length, 128);
    assert.deepEqual(kb.problems, []);
    assert.equal(new Set(kb.causes.map((cause) => cause.id)).size, 128);
    // Each product's token has its own error code: the diagnosis names that product's cause.
    const diagnosis = diagnose(
      { error: { status: 401, body: '{"error":"mobile_ledger_token_lapsed"}' } },
      { kb, index, clock: () => new Date(0), includeInternal: false, harLimits: { maxEntries: 10 } },
    );
    assert.equal(diagnosis.causes[0]?.id, 'warm-up-mobile-ledger-token-lapsed');
  });

  it('would be caught drawing a random value: tagging a secret does', () => {
    const { refused } = withGlobalScopeRules(() => {
      try {
        new Redactor().tag('a-live-token-value');
      } catch {
        // refused, as workerd would
      }
    });
    assert.deepEqual(refused, ['getRandomValues']);
  });
});
