/**
 * A bounded cache for compiled forms of user-supplied text (selectors, regexes, templates), so hostile
 * input can neither grow memory without bound nor force recompiling hot entries.
 *
 * Two generations instead of a Map reordered on every hit: moving an entry to the end of a Map
 * (delete + set) leaves a hole, and the holes make V8 rebuild the Map's table every few dozen hits.
 * At fifty selector lookups per Calico review those tables were most of what survived young-generation
 * collections, and they grew the old generation by about 60 MB a second under load. Here a hit in the
 * current generation writes nothing; a hit in the previous one copies the entry forward; when the
 * current generation is full it becomes the previous one and the oldest is dropped whole. Entries used
 * at least once per generation therefore never leave, and at most `limit` entries are held.
 */
export class LruCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly generationSize: number;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 2) throw new Error(`LruCache: limit must be an integer of at least 2, got ${limit}`);
    this.generationSize = Math.floor(limit / 2);
  }

  get(key: K): V | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) this.store(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.current.has(key)) this.current.set(key, value);
    else this.store(key, value);
  }

  /** The cached value, or compute, store and return it. */
  getOrCompute(key: K, compute: (key: K) => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    this.store(key, value);
    return value;
  }

  /** Distinct keys held (a key copied forward is counted once). */
  get size(): number {
    let size = this.current.size;
    for (const key of this.previous.keys()) if (!this.current.has(key)) size++;
    return size;
  }

  private store(key: K, value: V): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}

/**
 * One LruCache per owner (a config): what is cached against a config is dropped with it. An owner that
 * is not frozen can still change (tests build configs by hand), so nothing is ever cached against it.
 */
export class LruCachePerOwner<O extends object, K, V> {
  private readonly caches = new WeakMap<O, LruCache<K, V>>();

  constructor(private readonly limit: number) {}

  of(owner: O): LruCache<K, V> | undefined {
    if (!Object.isFrozen(owner)) return undefined;
    let cache = this.caches.get(owner);
    if (!cache) {
      cache = new LruCache(this.limit);
      this.caches.set(owner, cache);
    }
    return cache;
  }
}
