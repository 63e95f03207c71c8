// Verified-token cache: bounded LRU of verified tokens, each entry valid only until its token's expiry.
import { LRUCache } from 'lru-cache'

/**
 * The map is indexed by the token's last characters (the tail of its RS256 signature, which differs between any two
 * tokens a pool signs), and a hit still requires the whole token string to be equal: a token that differs by one byte
 * anywhere is a miss and goes through full verification. Hashing a short tail instead of the whole ~1 KB token on
 * every request is most of what a hit costs (a Map keyed on the full string spent ~2 µs per request here, this ~0.3).
 * A forged token sharing a tail with a cached one only misses (it never verifies, so it never replaces the entry).
 *
 * Memory is bounded by `maxEntries` (a Cognito token is ~1 KB, so the default 10,000 entries hold ~10-20 MB).
 */
const INDEX_CHARS = 32

interface Entry<T> { token: string, value: T, validUntil: number }

export function createTokenCache<T> (maxEntries: number, now: () => number = Date.now) {
  // lru-cache requires max >= 1; a size of 0 turns caching off.
  const entries = maxEntries > 0 ? new LRUCache<string, Entry<T>>({ max: maxEntries }) : undefined
  const indexOf = (token: string) => token.slice(-INDEX_CHARS)
  return {
    get (token: string): T | undefined {
      if (entries === undefined) return undefined
      const index = indexOf(token)
      // peek, not get: a token that only shares the tail must not refresh the other token's place in the LRU order.
      const entry = entries.peek(index)
      if (entry === undefined || entry.token !== token) return undefined
      if (now() > entry.validUntil) {
        entries.delete(index)
        return undefined
      }
      entries.get(index) // now mark it most recently used
      return entry.value
    },
    /** validUntil: epoch ms after which the entry must not be returned (the token's exp plus the clock tolerance). */
    set (token: string, value: T, validUntil: number): void {
      if (entries === undefined || now() > validUntil) return
      entries.set(indexOf(token), { token, value, validUntil })
    },
    get size () { return entries?.size ?? 0 }
  }
}
export type TokenCache<T> = ReturnType<typeof createTokenCache<T>>
