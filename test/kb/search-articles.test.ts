import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildLibrary } from '../../src/kb/library.ts';
import { searchArticles } from '../../src/kb/search-articles.ts';
import { termsOf } from '../../src/kb/vocabulary.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

describe('article search', async () => {
  const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
  const search = (query: string) => searchArticles(library, query, 50, { includeInternal: true });
  const mentions = (slug: string, word: string): boolean => {
    const article = library.kb.bySlug.get(slug)!;
    const terms = new Set(
      termsOf(
        `${article.title} ${article.summary} ${article.body} ${article.causes.map((cause) => `${cause.title} ${cause.description} ${cause.signals.phrases.join(' ')}`).join(' ')}`,
      ),
    );
    return termsOf(word).every((term) => terms.has(term));
  };

  it('matches finished, known words as written: every hit for "cors preflight" mentions one of them', () => {
    const { hits } = search('cors preflight');
    assert.equal(hits[0]?.slug, 'cors-blocked-authorization');
    for (const hit of hits)
      assert.ok(mentions(hit.slug, 'cors') || mentions(hit.slug, 'preflight'), `${hit.slug} mentions neither word`);
  });

  it('reads the last word as unfinished while someone types', () => {
    assert.equal(search('cors preflig').hits[0]?.slug, 'cors-blocked-authorization');
    assert.equal(search('clock sk').hits[0]?.slug, 'clock-skew');
  });

  it('forgives a typo in a word no article uses', () => {
    assert.equal(search('clok skew').hits[0]?.slug, 'clock-skew');
    assert.equal(search('postmn basic auth').hits[0]?.slug, 'postman-token-endpoint-basic-auth');
  });

  it('finds a status code and its name alike', () => {
    const byCode = search('403 scope').hits.map((hit) => hit.slug);
    const byName = search('forbidden scope').hits.map((hit) => hit.slug);
    assert.equal(byCode[0], 'insufficient-scope');
    assert.deepEqual(byCode, byName);
  });
});
