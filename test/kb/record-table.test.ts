import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LazyMap,
  LibraryUnavailable,
  lazyArray,
  NotYetRead,
  RecordTable,
  writeRecords,
} from '../../src/kb/record-table.ts';

describe('record tables', () => {
  it('read back each record as written, one at a time, and refuse positions outside the table', () => {
    const values = [{ slug: 'a', n: 1 }, ['x', 2, null], 'plain', { nested: { deep: [1, 2, 3] } }];
    const table = new RecordTable<unknown>(writeRecords(values));
    assert.equal(table.length, values.length);
    for (const [at, value] of values.entries()) assert.deepEqual(table.get(at), value);
    assert.throws(() => table.get(values.length), RangeError);
    assert.throws(() => table.get(-1), RangeError);
  });

  it('read records from text kept elsewhere, and say which are not here yet without parsing a part', () => {
    const values = ['first', { second: 2 }, ['third']];
    const { ends, text } = writeRecords(values);
    // Only the bytes up to the second record's end are here; the rest is still to be fetched.
    const here = ends[2]!;
    const asked: Array<[number, number]> = [];
    const table = new RecordTable<unknown>({
      ends,
      text: {
        size: text.byteLength,
        read: (from, to) => {
          asked.push([from, to]);
          return to <= here ? text.subarray(from, to) : undefined;
        },
      },
    });
    assert.deepEqual(table.get(1), { second: 2 });
    assert.equal(table.has(0), true);
    assert.equal(table.has(2), false);
    assert.throws(() => table.get(2), NotYetRead);
    assert.ok(new NotYetRead() instanceof LibraryUnavailable, 'answered 503 if it escapes a retry');
    assert.deepEqual(asked.at(-1), [ends[2], ends[3]]);
    assert.throws(
      () => new RecordTable({ ends, text: { size: text.byteLength - 1, read: () => undefined } }),
      /cut short/,
    );
  });

  it('refuse a table whose text is cut short', () => {
    const { ends, text } = writeRecords(['one', 'two']);
    assert.throws(() => new RecordTable({ ends, text: text.subarray(0, text.byteLength - 1) }), /cut short/);
  });
});

describe('a lazy array', () => {
  it('makes each item once, when first read, and reads as an array everywhere', () => {
    const made: number[] = [];
    const items = lazyArray(4, (at) => {
      made.push(at);
      return { at };
    });
    assert.equal(items.length, 4);
    assert.deepEqual(made, []);
    assert.equal(items[2]!.at, 2);
    assert.equal(items[2], items[2]);
    assert.deepEqual(made, [2]);
    assert.deepEqual(
      items.map((item) => item.at),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      items.filter((item) => item.at % 2 === 1).map((item) => item.at),
      [1, 3],
    );
    assert.deepEqual(
      [...items].map((item) => item.at),
      [0, 1, 2, 3],
    );
    assert.deepEqual(made, [2, 0, 1, 3], 'each item was made once');
    assert.ok(Array.isArray(items));
    assert.deepEqual(Object.keys(items), ['0', '1', '2', '3']);
    assert.equal(JSON.stringify(items), '[{"at":0},{"at":1},{"at":2},{"at":3}]');
    assert.equal(items[4], undefined);
    assert.ok(!(4 in items));
    assert.ok(3 in items);
  });

  it('cannot be written to', () => {
    const items = lazyArray(2, (at) => at);
    assert.throws(() => {
      (items as number[])[0] = 5;
    }, TypeError);
    assert.equal(items[0], 0);
  });
});

describe('a lazy map', () => {
  it('answers by key through the positions it was given, making values on demand', () => {
    const made: number[] = [];
    const map = new LazyMap(
      new Map([
        ['b', 1],
        ['a', 0],
      ]),
      (at) => {
        made.push(at);
        return `value ${at}`;
      },
    );
    assert.equal(map.size, 2);
    assert.equal(map.has('a'), true);
    assert.equal(map.has('c'), false);
    assert.equal(map.get('c'), undefined);
    assert.deepEqual(made, []);
    assert.equal(map.get('a'), 'value 0');
    assert.deepEqual([...map.keys()], ['b', 'a']);
    assert.deepEqual(
      [...map],
      [
        ['b', 'value 1'],
        ['a', 'value 0'],
      ],
    );
  });
});
