// The harness's caches (support/bounded-map.ts): a Map that cannot grow past its size, whatever keys come.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '../support/bounded-map.ts';

describe('BoundedMap', () => {
  it('never holds more than its size; the value just set is there', () => {
    const map = new BoundedMap<string, number>(8);
    for (let i = 0; i < 100; i++) {
      map.set(`k${i}`, i);
      assert.ok(map.size <= 8, `${map.size} entries`);
      assert.equal(map.get(`k${i}`), i);
    }
  });

  it('setting a key it holds again, when full, keeps the others', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3);
    assert.deepEqual(
      [...map],
      [
        ['a', 3],
        ['b', 2],
      ],
    );
    map.set('c', 4);
    assert.deepEqual([...map], [['c', 4]]);
  });
});
