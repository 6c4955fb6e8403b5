import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLibrary, type Library, withArticleText } from '../../src/kb/library.ts';

const library = (): Library => buildLibrary([], new Date(0));

describe('an answer that waits for its article text', () => {
  it('is computed once when every text it read was there', async () => {
    let computed = 0;
    assert.equal(
      await withArticleText(library(), () => {
        computed += 1;
        return 'answer';
      }),
      'answer',
    );
    assert.equal(computed, 1);
  });

  it('is computed again after each fetch, and at most four times, leaving what is still missing noted', async () => {
    let computed = 0;
    let fetches = 0;
    const endless: Library = {
      ...library(),
      pendingText: () => {
        fetches += 1;
        return Promise.resolve();
      },
    };
    assert.equal(
      await withArticleText(endless, () => {
        computed += 1;
        return computed;
      }),
      4,
    );
    assert.equal(computed, 4);
    assert.equal(fetches, 3, 'no fetch is started that nobody waits for');
  });

  it('fails as the fetch fails', async () => {
    const failing: Library = { ...library(), pendingText: () => Promise.reject(new Error('asset 503')) };
    await assert.rejects(
      withArticleText(failing, () => 'answer'),
      /asset 503/,
    );
  });
});
