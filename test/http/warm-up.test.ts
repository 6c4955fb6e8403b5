import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { WARM_UP_ROUTES, WARM_UP_STEPS, warmUp, warmUpLibrary } from '../../src/http/warm-up.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import { withGlobalScopeRules } from '../support/global-scope.ts';

describe('the warm-up', () => {
  it('runs every step and every route without a random value or a Request with a body, as a Worker global scope must', async () => {
    const { result, refused } = await withGlobalScopeRules(async () => {
      const warmed = warmUp();
      return { steps: warmed.steps, routes: await warmed.routes };
    });
    assert.equal(result.steps, WARM_UP_STEPS);
    assert.equal(result.routes, WARM_UP_ROUTES);
    // Only the routes' responses were refused, as workerd refuses them.
    assert.ok(refused.length > 0);
    assert.deepEqual([...new Set(refused)], ['a Response with a body']);
  });

  it('is answered with success on every route request where nothing is refused', async () => {
    const warmed = warmUp();
    assert.equal(await warmed.routes, WARM_UP_ROUTES);
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

  it('would be caught drawing a random value: tagging a secret does', async () => {
    const { refused } = await withGlobalScopeRules(() => {
      try {
        new Redactor().tag('a-live-token-value');
      } catch {
        // refused, as workerd would
      }
    });
    assert.deepEqual(refused, ['getRandomValues']);
  });
});
