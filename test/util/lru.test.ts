import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LruCache, LruCachePerOwner } from '../../src/util/lru.js';

describe('LruCache (two generations)', () => {
  test('never holds more than its limit, whatever the key stream', () => {
    const cache = new LruCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) cache.getOrCompute(i % 3 === 0 ? i : i % 50, (key) => key * 2);
    assert.ok(cache.size <= 100, `${cache.size}`);
  });

  test('an entry used in every generation survives a flood of one-off keys', () => {
    const cache = new LruCache<string, number>(10);
    let computed = 0;
    cache.getOrCompute('hot', () => ++computed);
    for (let i = 0; i < 1000; i++) {
      cache.getOrCompute(`cold-${i}`, () => -1);
      if (i % 4 === 0) assert.equal(cache.getOrCompute('hot', () => ++computed), 1);
    }
    assert.equal(computed, 1, 'the hot entry was never recomputed');
  });

  test('an entry not used for two generations is dropped and recomputed', () => {
    const cache = new LruCache<string, number>(4);
    let computed = 0;
    cache.getOrCompute('once', () => ++computed);
    for (let i = 0; i < 4; i++) cache.getOrCompute(`other-${i}`, () => 0);
    assert.equal(cache.get('once'), undefined);
    assert.equal(cache.getOrCompute('once', () => ++computed), 2);
  });

  test('set replaces a value; get returns what was stored; a miss is undefined', () => {
    const cache = new LruCache<string, string>(8);
    cache.set('a', 'first');
    cache.set('a', 'second');
    assert.equal(cache.get('a'), 'second');
    assert.equal(cache.get('missing'), undefined);
    assert.equal(cache.size, 1);
  });

  test('a limit below 2 is refused', () => {
    assert.throws(() => new LruCache(1), /limit must be an integer of at least 2/);
  });
});

describe('LruCachePerOwner', () => {
  test('one cache per frozen owner, the same one each time; none for an owner that can still change', () => {
    const caches = new LruCachePerOwner<object, string, number>(4);
    const a = Object.freeze({});
    const b = Object.freeze({});
    caches.of(a)!.set('k', 1);
    assert.equal(caches.of(a)!.get('k'), 1);
    assert.equal(caches.of(b)!.get('k'), undefined, 'another owner, another cache');
    assert.equal(caches.of({}), undefined, 'an unfrozen owner is never cached against');
  });
});
