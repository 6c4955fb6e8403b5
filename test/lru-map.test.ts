import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from '../src/lru-map.ts';

describe('an LRU map', () => {
  it('keeps at most its entries, dropping the least recently read or set first', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    assert.equal(map.get('a'), 1, 'reading a makes b the least recently used');
    map.set('c', 3);
    assert.equal(map.get('b'), undefined);
    assert.equal(map.get('a'), 1);
    assert.equal(map.get('c'), 3);
    map.set('a', 10);
    map.set('d', 4);
    assert.equal(map.get('c'), undefined, 'setting a again made c the oldest');
    assert.equal(map.get('a'), 10);
    map.clear();
    assert.equal(map.get('a'), undefined);
  });

  it('keeps nothing with no entries allowed', () => {
    const map = new LruMap<number, string>(0);
    map.set(1, 'one');
    assert.equal(map.get(1), undefined);
  });
});
