// The platform-admin check: the caller must still be an enabled member of platform-admins in Cognito, not just carry the group in a token.
import type { UserPoolClient } from '../cognito/user-pool.js'
import { ttlCache } from '../ttl-cache.js'

/** Bounded like the membership cache: operators are few, but ids come from tokens. */
const MAX_ENTRIES = 1000

/**
 * An access token keeps its cognito:groups for up to an hour, and nothing revokes it for an API that verifies tokens
 * itself. Operators hold the keys to every tenant, so their standing is read from Cognito (AdminGetUser +
 * AdminListGroupsForUser) and reused for MEMBERSHIP_CACHE_TTL_SECONDS: a removal or disable takes effect within that.
 */
export function createPlatformAdminCheck (deps: { cognito: Pick<UserPoolClient, 'getUser' | 'listGroups'>, ttlMs: number, maxEntries?: number, now?: () => number }) {
  // Undefined when ttlMs is 0 (caching off). The inflight Map keeps single-flight then too, which lru-cache's fetch()
  // would not: it keeps a pending lookup in the cache.
  const cache = ttlCache<string, boolean>(deps.maxEntries ?? MAX_ENTRIES, deps.ttlMs, deps.now)
  const inflight = new Map<string, Promise<boolean>>()

  async function lookup (username: string): Promise<boolean> {
    const user = await deps.cognito.getUser(username)
    if (!user || !user.enabled) return false
    return (await deps.cognito.listGroups(user.username)).includes('platform-admins')
  }

  return {
    async isPlatformAdmin (userId: string, username: string): Promise<boolean> {
      const hit = cache?.get(userId)
      if (hit !== undefined) return hit
      let pending = inflight.get(userId)
      if (!pending) {
        pending = lookup(username).then(ok => { cache?.set(userId, ok); return ok }).finally(() => inflight.delete(userId))
        inflight.set(userId, pending)
      }
      return await pending
    },
    get size () { return cache?.size ?? 0 }
  }
}
