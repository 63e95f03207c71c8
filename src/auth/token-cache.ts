// Verified-token cache: bounded LRU keyed on the exact token string, each entry valid only until its token's expiry.

/**
 * The key is the whole token string, never a prefix or a weak hash: a token that differs by one byte is a different
 * key and goes through full verification. Memory is bounded by `maxEntries` (a Cognito token is ~1 KB, so the
 * default 10,000 entries hold ~10-20 MB).
 */
export function createTokenCache<T> (maxEntries: number, now: () => number = Date.now) {
  const entries = new Map<string, { value: T, validUntil: number }>()
  return {
    get (token: string): T | undefined {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      entries.delete(token)
      if (now() > entry.validUntil) return undefined
      entries.set(token, entry) // most recently used last
      return entry.value
    },
    /** validUntil: epoch ms after which the entry must not be returned (the token's exp plus the clock tolerance). */
    set (token: string, value: T, validUntil: number): void {
      if (maxEntries <= 0 || now() > validUntil) return
      entries.delete(token)
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(token, { value, validUntil })
    },
    get size () { return entries.size }
  }
}
export type TokenCache<T> = ReturnType<typeof createTokenCache<T>>
