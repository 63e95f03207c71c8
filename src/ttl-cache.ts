// Bounded caches whose entries expire (lru-cache, a TTL of 0 meaning "no caching", an injectable clock), and single-flight loads over them.
import { LRUCache } from 'lru-cache'

/**
 * At most `max` entries (the least recently used goes first), each returned for `ttlMs` after it was set; an
 * expired entry is dropped when read. Undefined when ttlMs <= 0: lru-cache reads a ttl of 0 as "never expires",
 * here it means "do not cache".
 *
 * `now` (ms; lru-cache's default is performance.now, which wall-clock steps do not move) is read on every lookup
 * (ttlResolution 0): the default reuses one reading for up to 1 ms, until a timer clears it, so an injected clock
 * moved between two synchronous reads would not be seen. It is read 1 ms ahead because lru-cache takes a start time
 * of 0 for "no TTL": an entry set while a test clock reads 0 would otherwise never expire. Only differences count.
 */
export function ttlCache<K extends {}, V extends {}> (max: number, ttlMs: number, now?: () => number): LRUCache<K, V> | undefined {
  if (ttlMs <= 0) return undefined
  // lru-cache accepts only whole milliseconds.
  return new LRUCache<K, V>({ max, ttl: Math.ceil(ttlMs), ttlResolution: 0, ...(now ? { perf: { now: () => now() + 1 } } : {}) })
}

/** A ttlCache with single-flight loads and evictions that also reach the loads in flight. */
export interface SingleFlightCache<V> {
  /** Synchronous: the cached value within its TTL (an expired one is dropped), or undefined. */
  get: (key: string) => V | undefined
  /** The cached value, else the load in flight for the key, else a new load, whose result is cached unless evicted meanwhile. */
  load: (key: string, load: () => Promise<V>) => Promise<V>
  /**
   * Drops the cached values that match, and the loads in flight that `pendingMatches` names: a caller arriving after
   * an evict starts its own load instead of joining one that may have read the state before the change. A load that
   * started before any evict is still answered, but not cached (it may have read what the evict was about).
   */
  evict: (matches: (value: V) => boolean, pendingMatches: (key: string) => boolean) => void
  readonly size: number
}

/**
 * One load per key at a time: a burst of first requests costs one round of reads. `keep` says which loaded values are
 * cached (all by default); the others are answered to their callers only. Not lru-cache's fetch(): that keeps
 * the pending load as a cache entry, so there is none with caching off (ttlMs <= 0: single-flight still applies then),
 * an evict either aborts it (its callers get an error) or lets it be cached anyway, and no predicate can match it.
 */
export function singleFlightCache<V extends {}> (max: number, ttlMs: number, now?: () => number, opts: { keep?: (value: V) => boolean } = {}): SingleFlightCache<V> {
  const cache = ttlCache<string, V>(max, ttlMs, now)
  const inflight = new Map<string, Promise<V>>()
  // Bumped by every evict: a load that started before an eviction must not cache what it read for a whole TTL.
  let generation = 0
  return {
    get: key => cache?.get(key),
    async load (key, load) {
      const hit = cache?.get(key)
      if (hit !== undefined) return hit
      let pending = inflight.get(key)
      if (!pending) {
        const startedAt = generation
        pending = load()
          .then(value => { if (generation === startedAt && opts.keep?.(value) !== false) cache?.set(key, value); return value })
          // Only its own entry: an evict may have replaced it with a newer load meanwhile.
          .finally(() => { if (inflight.get(key) === pending) inflight.delete(key) })
        inflight.set(key, pending)
      }
      return await pending
    },
    evict (matches, pendingMatches) {
      generation++
      for (const key of [...inflight.keys()]) if (pendingMatches(key)) inflight.delete(key)
      if (cache === undefined) return
      // Collected first: lru-cache does not promise iteration across a delete.
      const stale: string[] = []
      for (const [key, value] of cache.entries()) if (matches(value)) stale.push(key)
      for (const key of stale) cache.delete(key)
    },
    get size () { return cache?.size ?? 0 }
  }
}
