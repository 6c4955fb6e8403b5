import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PackedListLookup,
  PackedLookup,
  PackedPositions,
  PackedStrings,
  packStrings,
  restoreFlags,
  storeFlags,
  storeListLookup,
  storeLookup,
} from '../../src/kb/packed-strings.ts';

/** Through JSON, as a library's header keeps them. */
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('packed strings', () => {
  // Unsorted, with keys that are prefixes of others, an empty string, and characters past
  // U+FFFF (two code units each), so that in-place comparison must agree with `<`.
  const strings = ['token-expired', 'token', '', 'b', 'token-expired-2', 'a\u{1F600}', 'a\uFFFF', 'é', 'tokem'];

  it('reads each string back, in list order', () => {
    const packed = new PackedStrings(roundTrip(packStrings(strings)));
    assert.equal(packed.length, strings.length);
    assert.deepEqual(
      Array.from({ length: packed.length }, (_, at) => packed.at(at)),
      strings,
    );
  });

  it('finds every string and nothing else, whatever order the list is in', () => {
    const packed = new PackedStrings(roundTrip(packStrings(strings, true)));
    for (const [at, string] of strings.entries()) assert.equal(packed.find(string), at, string);
    for (const absent of ['tok', 'token-', 'token-expired-3', 'a', 'z', 'A', '\u{1F600}', 'a\u{1F601}'])
      assert.equal(packed.find(absent), -1, absent);
    const sorted = [...strings].sort();
    const inOrder = packStrings(sorted, true);
    assert.equal(inOrder.order, undefined, 'a sorted list needs no order beside it');
    for (const [at, string] of sorted.entries()) assert.equal(new PackedStrings(inOrder).find(string), at);
  });

  it('finds the first of repeated strings', () => {
    const packed = new PackedStrings(packStrings(['x', 'y', 'x', 'y'], true));
    assert.equal(packed.find('x'), 0);
    assert.equal(packed.find('y'), 1);
  });

  it('an empty list finds nothing', () => {
    const packed = new PackedStrings(roundTrip(packStrings([], true)));
    assert.equal(packed.length, 0);
    assert.equal(packed.find(''), -1);
    assert.deepEqual([...packed.entries()], []);
  });

  it('rejects text that does not match its ends', () => {
    const stored = packStrings(['one', 'two']);
    assert.throws(() => new PackedStrings({ ...stored, text: 'onetw' }), /rebuild/);
    assert.throws(() => new PackedStrings({ ...packStrings(['b', 'a'], true), order: [0] }), /rebuild/);
  });

  it('serves as a read-only map of positions', () => {
    const positions = new PackedPositions(new PackedStrings(packStrings(['c', 'a', 'b'], true)));
    assert.equal(positions.size, 3);
    assert.equal(positions.get('a'), 1);
    assert.equal(positions.get('d'), undefined);
    assert.equal(positions.has('c'), true);
    assert.deepEqual(
      [...positions],
      [
        ['c', 0],
        ['a', 1],
        ['b', 2],
      ],
    );
    assert.deepEqual([...positions.keys()], ['c', 'a', 'b']);
    assert.deepEqual([...positions.values()], [0, 1, 2]);
    const seen: string[] = [];
    positions.forEach((at, key) => {
      seen.push(`${key}${at}`);
    });
    assert.deepEqual(seen, ['c0', 'a1', 'b2']);
  });
});

describe('packed lookup', () => {
  it('answers as the map it was stored from', () => {
    const map = new Map<string, number[]>([
      ['invalid_token', [3, 9]],
      ['invalid_grant', [1]],
      ['access_denied', []],
      ['Invalid_Token', [4]],
    ]);
    const lookup = new PackedLookup(roundTrip(storeLookup(map)));
    for (const [key, value] of map) assert.deepEqual(lookup.get(key), value, key);
    assert.equal(lookup.get('invalid'), undefined);
    assert.deepEqual(new Map(lookup.entries()), map);
    // Stored again from itself (a catalogue restored and stored anew), it is the same.
    assert.deepEqual(storeLookup(lookup), storeLookup(map));
  });

  it('rejects values that do not match their keys', () => {
    const stored = storeLookup(new Map([['a', 1]]));
    assert.throws(() => new PackedLookup({ ...stored, values: [] }), /rebuild/);
  });
});

describe('packed list lookup', () => {
  it('answers as the map of lists it was stored from, each list a copy of its own', () => {
    const map = new Map<string, number[]>([
      ['invalid_token', [3, 9]],
      ['invalid_grant', [1]],
      ['access_denied', []],
      ['unauthorized_client', [0, 2, 4]],
    ]);
    const lookup = new PackedListLookup(roundTrip(storeListLookup(map)));
    for (const [key, value] of map) assert.deepEqual(lookup.get(key), value, key);
    assert.equal(lookup.get('invalid_'), undefined);
    lookup.get('invalid_token')!.push(99);
    assert.deepEqual(lookup.get('invalid_token'), [3, 9], 'changing a list read does not change the table');
    assert.deepEqual(new Map(lookup.entries()), map);
    assert.deepEqual(storeListLookup(lookup), storeListLookup(map));
  });

  it('rejects lists that do not match their keys', () => {
    const stored = storeListLookup(new Map([['a', [1, 2]]]));
    assert.throws(() => new PackedListLookup({ ...stored, items: [1] }), /rebuild/);
    assert.throws(() => new PackedListLookup({ ...stored, ends: [] }), /rebuild/);
  });
});

describe('flags', () => {
  it('keeps the positions set, and gives the flags back', () => {
    const flags = Uint8Array.from([0, 1, 0, 0, 1, 1, 0]);
    const stored = storeFlags(flags);
    assert.deepEqual(stored, [1, 4, 5]);
    assert.deepEqual(restoreFlags(stored, flags.length), flags);
    assert.deepEqual(restoreFlags([], 3), new Uint8Array(3));
  });

  it('rejects a position past the end', () => {
    assert.throws(() => restoreFlags([3], 3), /rebuild/);
    assert.throws(() => restoreFlags([-1], 3), /rebuild/);
  });
});
