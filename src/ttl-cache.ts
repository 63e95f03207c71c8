// Bounded caches whose entries expire: lru-cache, with a TTL of 0 meaning "no caching" and an injectable clock.
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
