import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IndexedDocument, type QuerySpec, TermIndex } from '../../src/kb/term-index.ts';
import { processTerm, tokenize } from '../../src/kb/vocabulary.ts';
import { seededRandom } from '../support/seeded-random.ts';

const ANALYZER = { tokenize, processTerm };
const FIELDS = [
  { name: 'title', boost: 4 },
  { name: 'body', boost: 1 },
];

function documents(): IndexedDocument[] {
  return [
    {
      id: 'expired',
      internal: false,
      texts: ['Expired access token', 'The token expired before the request was sent.'],
    },
    {
      id: 'scope',
      internal: false,
      texts: ['Missing scope', 'The token lacks the reports:read scope; the API answers 403.'],
    },
    {
      id: 'clock',
      internal: true,
      texts: ['Clock skew', 'The server clock is ahead, so a fresh token looks expired.'],
    },
    {
      id: 'cors',
      internal: false,
      texts: ['Preflight blocked', 'The preflight did not allow the authorization header.'],
    },
  ];
}

const exact = (...terms: string[]): QuerySpec[] => terms.map((term) => ({ term, prefix: false, fuzzy: 0 }));

/** Levenshtein distance, the plain way: what the trie walk over sorted terms must agree with. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, column) => column);
  for (let line = 1; line <= a.length; line += 1) {
    let diagonal = row[0]!;
    row[0] = line;
    for (let column = 1; column <= b.length; column += 1) {
      const above = row[column]!;
      row[column] = Math.min(above + 1, row[column - 1]! + 1, diagonal + (a[line - 1] === b[column - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

describe('the term index', () => {
  const index = TermIndex.build(FIELDS, documents(), ANALYZER);

  it('ranks a document that uses a word in its title above one that uses it in its body', () => {
    const results = index.search(exact(processTerm('expired')!), { combine: 'or', includeInternal: false });
    assert.deepEqual(
      results.top(10).map((document) => results.id(document)),
      ['expired'],
    );
  });

  it('leaves internal documents out unless asked for them', () => {
    const query = exact(processTerm('clock')!);
    assert.equal(index.search(query, { combine: 'or', includeInternal: false }).size, 0);
    assert.equal(index.search(query, { combine: 'or', includeInternal: true }).size, 1);
  });

  it('multiplies a score by the number of query terms a document matched', () => {
    const both = index.search(exact(processTerm('token')!, processTerm('scope')!), {
      combine: 'or',
      includeInternal: false,
    });
    const [best] = both.top(1);
    assert.equal(both.id(best!), 'scope');
    assert.deepEqual(both.terms(best!), [processTerm('token'), processTerm('scope')]);
  });

  it('keeps with "and" only the documents that match every term', () => {
    const results = index.search(exact(processTerm('token')!, processTerm('preflight')!), {
      combine: 'and',
      includeInternal: true,
    });
    assert.equal(results.size, 0);
  });

  it('finds longer words by prefix and near spellings by edit distance', () => {
    const prefix = index.search([{ term: 'prefl', prefix: true, fuzzy: 0 }], { combine: 'or', includeInternal: false });
    assert.deepEqual(
      prefix.top(5).map((document) => prefix.id(document)),
      ['cors'],
    );
    const typo = index.search([{ term: 'preflihgt', prefix: false, fuzzy: 2 }], {
      combine: 'or',
      includeInternal: false,
    });
    assert.deepEqual(
      typo.top(5).map((document) => typo.id(document)),
      ['cors'],
    );
  });

  it('finds exactly the terms within the edit distance that a brute-force comparison finds', () => {
    const random = seededRandom(7);
    const letters = 'abcdeklnorst';
    const word = (): string =>
      Array.from({ length: 3 + Math.floor(random() * 6) }, () => letters[Math.floor(random() * letters.length)]).join(
        '',
      );
    const vocabulary = [...new Set(Array.from({ length: 400 }, word))];
    const big = TermIndex.build(
      [{ name: 'body', boost: 1 }],
      [{ id: 'all', internal: false, texts: [vocabulary.join(' ')] }],
      {
        tokenize: (text) => text.split(' '),
        processTerm: (term) => term,
      },
    );
    for (let round = 0; round < 60; round += 1) {
      const query = word();
      for (const maxDistance of [1, 2]) {
        const expected = vocabulary.filter((term) => term !== query && distance(term, query) <= maxDistance).sort();
        const found = (big as unknown as { near: (q: string, d: number) => Array<[number, number]> })
          .near(query, maxDistance)
          .map(([term]) => (big as unknown as { terms: string[] }).terms[term]!)
          .sort();
        assert.deepEqual(found, expected, `"${query}" within ${maxDistance}`);
      }
    }
  });

  it('loads from its bytes into an index that answers the same, with the arrays used in place', () => {
    const { header, buffer } = index.serialise();
    // Offset by a byte the way a file read into a pooled buffer can be: the loader copies once.
    const shifted = new Uint8Array(buffer.byteLength + 1);
    shifted.set(buffer, 1);
    for (const bytes of [buffer, shifted.subarray(1)]) {
      const loaded = TermIndex.load(JSON.parse(JSON.stringify(header)), bytes);
      const query = exact(processTerm('token')!, processTerm('expired')!);
      const a = index.search(query, { combine: 'or', includeInternal: true });
      const b = loaded.search(query, { combine: 'or', includeInternal: true });
      assert.deepEqual(
        b.top(10).map((document) => [b.id(document), b.score(document)]),
        a.top(10).map((document) => [a.id(document), a.score(document)]),
      );
    }
  });

  it('stores document numbers in 2 bytes up to 65,536 documents and in 4 beyond, answering the same either way', () => {
    assert.equal(index.serialise().header.documentBytes, 2);
    // One more document than 16 bits can number; the last two are the ones a search finds.
    const many: IndexedDocument[] = Array.from({ length: 65_537 }, (_, at) => ({
      id: `doc-${at}`,
      internal: false,
      texts: [at >= 65_535 ? `needle ${at % 2 ? 'odd' : 'even'}` : 'hay', ''],
    }));
    const big = TermIndex.build(FIELDS, many, ANALYZER);
    const { header, buffer } = big.serialise();
    assert.equal(header.documentBytes, 4);
    const loaded = TermIndex.load(JSON.parse(JSON.stringify(header)), buffer);
    for (const searched of [big, loaded]) {
      const result = searched.search(exact(processTerm('needle')!, processTerm('odd')!), {
        combine: 'or',
        includeInternal: false,
      });
      assert.deepEqual(
        result.top(4).map((document) => result.id(document)),
        ['doc-65535', 'doc-65536'],
      );
    }
  });

  it('stores frequencies in a byte while they fit and in 2 bytes beyond, scoring the same either way', () => {
    assert.equal(index.serialise().header.frequencyBytes, 1);
    // A word used 300 times in one document's field: more than a byte counts.
    const repeated: IndexedDocument[] = [
      { id: 'often', internal: false, texts: [Array.from({ length: 300 }, () => 'timeout').join(' '), ''] },
      { id: 'once', internal: false, texts: ['timeout once', ''] },
    ];
    for (const [documents, bytes] of [
      [repeated, 2],
      [repeated.slice(1), 1],
    ] as const) {
      const built = TermIndex.build(FIELDS, documents, ANALYZER);
      const { header, buffer } = built.serialise();
      assert.equal(header.frequencyBytes, bytes);
      const loaded = TermIndex.load(JSON.parse(JSON.stringify(header)), buffer);
      const query = exact(processTerm('timeout')!);
      const a = built.search(query, { combine: 'or', includeInternal: false });
      const b = loaded.search(query, { combine: 'or', includeInternal: false });
      assert.deepEqual(
        b.top(5).map((document) => [b.id(document), b.score(document)]),
        a.top(5).map((document) => [a.id(document), a.score(document)]),
      );
    }
  });

  it('refuses bytes that are cut short, with what to do', () => {
    const { header, buffer } = index.serialise();
    assert.throws(() => TermIndex.load(header, buffer.subarray(0, 16)), /npm run build/);
  });

  it('rebuilt with some documents changed, scores exactly as a fresh build of the same documents', () => {
    const changed = documents();
    changed[1] = {
      ...changed[1]!,
      texts: ['Missing scope', 'Ask for the reports:write scope when the token is issued.'],
    };
    const added: IndexedDocument = {
      id: 'new',
      internal: false,
      texts: ['Rotated key', 'The signing key was rotated.'],
    };
    const rebuilt = index.rebuild(['expired', changed[1]!, 'clock', added], ANALYZER);
    const fresh = TermIndex.build(FIELDS, [changed[0]!, changed[1]!, changed[2]!, added], ANALYZER);
    assert.deepEqual(rebuilt.ids, fresh.ids);
    assert.equal(rebuilt.termCount, fresh.termCount);
    for (const word of ['token', 'scope', 'preflight', 'key', 'expired', 'write']) {
      const query = exact(processTerm(word)!);
      const a = rebuilt.search(query, { combine: 'or', includeInternal: true });
      const b = fresh.search(query, { combine: 'or', includeInternal: true });
      assert.deepEqual(
        a.top(10).map((document) => [a.id(document), a.score(document)]),
        b.top(10).map((document) => [b.id(document), b.score(document)]),
        word,
      );
    }
    assert.ok(!rebuilt.has(processTerm('preflight')!), 'a word only the removed document used is gone');
  });

  it('hands out the best documents lazily, best first, ties in the order found', () => {
    const results = index.search(exact(processTerm('token')!), { combine: 'or', includeInternal: true });
    const all = [...results.ranked()];
    assert.equal(all.length, results.size);
    for (let at = 1; at < all.length; at += 1) assert.ok(results.score(all[at - 1]!) >= results.score(all[at]!));
    assert.deepEqual(results.top(2), all.slice(0, 2));
  });
});
