// The platform-admin check: the caller must still be an enabled member of platform-admins in Cognito, not just carry the group in a token.
import type { UserPoolClient } from '../cognito/user-pool.js'
import { singleFlightCache } from '../ttl-cache.js'

/** Whether Cognito holds the user as an enabled platform admin, and the address it holds for them. */
export interface Standing { admin: boolean, email?: string }

/** Bounded like the membership cache: operators are few, but ids come from tokens. */
const MAX_ENTRIES = 1000

/**
 * An access token keeps its cognito:groups for up to an hour, and nothing revokes it for an API that verifies tokens
 * itself. Operators hold the keys to every tenant, so their standing is read from Cognito (AdminGetUser +
 * AdminListGroupsForUser) and reused for MEMBERSHIP_CACHE_TTL_SECONDS: a removal or disable takes effect within that.
 */
export function createPlatformAdminCheck (deps: { cognito: Pick<UserPoolClient, 'getUser' | 'listGroups'>, ttlMs: number, maxEntries?: number, now?: () => number }) {
  // One lookup per user at a time, also with caching off (ttlMs 0).
  const cache = singleFlightCache<Standing>(deps.maxEntries ?? MAX_ENTRIES, deps.ttlMs, deps.now)

  async function lookup (username: string): Promise<Standing> {
    const user = await deps.cognito.getUser(username)
    if (!user || !user.enabled) return { admin: false }
    const admin = (await deps.cognito.listGroups(user.username)).includes('platform-admins')
    return { admin, ...(user.email !== undefined ? { email: user.email } : {}) }
  }

  /** The caller's standing, read from Cognito and reused for the TTL. */
  async function standing (userId: string, username: string): Promise<Standing> {
    return await cache.load(userId, () => lookup(username))
  }

  return {
    standing,
    async isPlatformAdmin (userId: string, username: string): Promise<boolean> {
      return (await standing(userId, username)).admin
    },
    get size () { return cache.size }
  }
}
