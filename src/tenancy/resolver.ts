// Tenant resolution: a verified principal becomes a tenant context (scope + membership groups), from the membership,
// never from the request. The only place a request's TenantScope is minted.
import { LRUCache } from 'lru-cache'
import type { FastifyRequest } from 'fastify'
import { mintTenantScope, type TenantContext, type TenantScope } from '../domain/tenant-scope.js'
import type { Principal } from '../domain/principal.js'
import { ID_REGEX, type Membership } from '../domain/model.js'
import { ForbiddenError } from '../domain/errors.js'
import { InvalidTokenError } from '../auth/errors.js'
import type { membershipsRepository } from '../repositories/memberships.js'
import type { tenantsRepository } from '../repositories/tenants.js'
import { ttlCache } from '../ttl-cache.js'

/**
 * The caller's tenant scope, for handlers of routes whose policy requires a tenant. access-policy has resolved it
 * before the handler runs; a missing one is a wiring mistake, and it still denies rather than proceeds.
 */
export function tenantScopeOf (request: FastifyRequest): TenantScope {
  if (!request.tenant) throw new ForbiddenError('No tenant')
  return request.tenant.scope
}

/** Bounded: a flood of distinct users cannot grow the cache past this; the least recently used entry goes first. */
const MEMBERSHIP_CACHE_MAX_ENTRIES = 10_000

/**
 * After a failed lookup, tenant-optional routes skip the lookup for this long and go on without a tenant at once.
 * Without it, while DynamoDB is down every GET /me waited for the SDK's retries and timeouts (up to seconds) only
 * to degrade anyway, and sent a struggling DynamoDB one more retried call per request. Required routes ignore it and
 * always try again: they cannot proceed without a tenant, so for them a fresh attempt is the only useful answer.
 */
export const DEGRADED_TTL_MS = 2000

/**
 * What a principal resolves to. Only `ok` yields a tenant; `none` (no membership at all) is the one outcome a
 * tenant-optional route tolerates; `ambiguous` and `denied` are 403 wherever a tenant is required.
 */
export type Resolution =
  | { kind: 'ok', context: TenantContext }
  | { kind: 'none' }
  | { kind: 'ambiguous' }
  | { kind: 'denied', reason: string, tenantId?: string }

interface Deps {
  memberships: Pick<ReturnType<typeof membershipsRepository>, 'findByUser' | 'get' | 'markActive'>
  tenants: Pick<ReturnType<typeof tenantsRepository>, 'get'>
  ttlMs: number
  maxEntries?: number
  now?: () => number
}

/** A cached resolution, with the user and tenant that evict and evictTenant match it by. */
interface Cached { userId: string, tenantId?: string, value: Resolution }

const USABLE: ReadonlySet<Membership['status']> = new Set(['active', 'invited'])

/** The cache key of a caller: the user and the tenant the token names (if any); both caches of this module use it. */
export const keyOf = (principal: Pick<Principal, 'userId' | 'tenantId'>) => `${principal.userId}\u0000${principal.tenantId ?? ''}`

export function createTenantResolver (deps: Deps) {
  const { memberships, tenants, ttlMs } = deps
  // Undefined when ttlMs is 0 (caching off); single-flight still applies then.
  const cache = ttlCache<string, Cached>(deps.maxEntries ?? MEMBERSHIP_CACHE_MAX_ENTRIES, ttlMs, deps.now)
  // One lookup per key at a time: a burst of first requests from one user costs one round of reads. Not lru-cache's
  // fetch(): that keeps the pending lookup as a cache entry, so there is none with caching off, and an evict either
  // aborts it (its callers get an error) or lets it be cached anyway; nor can evictTenant match a pending lookup.
  const inflight = new Map<string, Promise<Resolution>>()
  // Bumped by every evict: a lookup that started before an eviction must not cache what it read (a membership that
  // was then disabled or removed) for a whole TTL.
  let generation = 0

  async function lookup (userId: string, claim: string | undefined): Promise<Resolution> {
    let tenantId: string
    if (claim !== undefined) {
      // The claim picks the tenant, the membership must confirm it: a claim without a membership is a disagreement.
      if (!ID_REGEX.test(claim)) return { kind: 'denied', reason: 'The token names an invalid tenant' }
      tenantId = claim
    } else {
      // Real Cognito access tokens carry no custom attributes: this is the normal path.
      const found = await memberships.findByUser(userId)
      if (found.length === 0) return { kind: 'none' }
      const usable = found.filter(m => USABLE.has(m.status))
      if (usable.length > 1) return { kind: 'ambiguous' }
      tenantId = (usable[0] ?? found[0]!).tenantId
    }
    // The tenant is read alongside the membership (one round trip, not two) but only looked at once the membership
    // confirms it: the membership alone decides a refusal, even when the tenant read fails.
    const tenantRead = tenants.get(tenantId, { consistent: true })
    tenantRead.catch(() => {}) // awaited below, or deliberately dropped with a refusal
    // Confirmed on the table in both cases; GSI1 is eventually consistent, so a just-removed membership does not linger.
    const membership = await memberships.get(mintTenantScope(tenantId), userId, { consistent: true })
    if (!membership) return claim !== undefined ? { kind: 'denied', reason: 'The token tenant does not match your membership' } : { kind: 'none' }
    if (!USABLE.has(membership.status)) return { kind: 'denied', reason: `Your membership is ${membership.status}`, tenantId: membership.tenantId }
    const tenant = await tenantRead
    if (!tenant || tenant.status !== 'active') return { kind: 'denied', reason: 'The tenant is suspended', tenantId: membership.tenantId }
    const scope = mintTenantScope(membership.tenantId)
    // invited means "has not signed in yet": this request is the first authenticated one.
    if (membership.status === 'invited') await memberships.markActive(scope, userId)
    return { kind: 'ok', context: Object.freeze({ scope, tenantId: membership.tenantId, groups: Object.freeze([...membership.groups]) as TenantContext['groups'], ...(membership.email ? { email: membership.email } : {}), ...(membership.tokensValidAfter ? { tokensValidAfter: membership.tokensValidAfter } : {}) }) }
  }

  function remember (key: string, userId: string, value: Resolution) {
    cache?.set(key, { userId, tenantId: value.kind === 'ok' ? value.context.tenantId : value.kind === 'denied' ? value.tenantId : undefined, value })
  }

  /** The cached resolution, if there is one within its TTL (an expired one is dropped). */
  const cached = (key: string): Resolution | undefined => cache?.get(key)?.value

  /**
   * Drops the cached entries that match (collected first: lru-cache does not promise iteration across a delete), and
   * the in-flight lookups `inflightMatches` names: a request arriving after an evict starts its own lookup instead of
   * joining one that may have read the state before the change.
   */
  function forget (matches: (entry: Cached) => boolean, inflightMatches: (key: string) => boolean) {
    generation++
    for (const key of [...inflight.keys()]) if (inflightMatches(key)) inflight.delete(key)
    if (cache === undefined) return
    const keys: string[] = []
    for (const [key, entry] of cache.entries()) if (matches(entry)) keys.push(key)
    for (const key of keys) cache.delete(key)
  }

  return {
    /** Synchronous: the cached resolution, or undefined when resolve() would have to read DynamoDB. */
    peek (principal: Pick<Principal, 'userId' | 'tenantId'>): Resolution | undefined {
      return cached(keyOf(principal))
    },
    async resolve (principal: Pick<Principal, 'userId' | 'tenantId'>): Promise<Resolution> {
      const key = keyOf(principal)
      const hit = cached(key)
      if (hit !== undefined) return hit
      let pending = inflight.get(key)
      if (!pending) {
        const startedAt = generation
        pending = lookup(principal.userId, principal.tenantId)
          .then(value => { if (generation === startedAt) remember(key, principal.userId, value); return value })
          // Only its own entry: an evict may have replaced it with a newer lookup meanwhile.
          .finally(() => { if (inflight.get(key) === pending) inflight.delete(key) })
        inflight.set(key, pending)
      }
      return await pending
    },
    /** Forget a user at once on this instance (removed, disabled or re-grouped member); other instances within the TTL. */
    evict (userId: string) {
      forget(entry => entry.userId === userId, key => key.startsWith(keyOf({ userId })))
    },
    /** Forget every member of a tenant on this instance (tenant suspended or reactivated). */
    evictTenant (tenantId: string) {
      // A pending lookup's tenant is not known until it has read the membership: all of them go.
      forget(entry => entry.tenantId === tenantId, () => true)
    },
    get size () { return cache?.size ?? 0 }
  }
}

/**
 * The tenant context a resolution gives the request, or null where a tenant-optional route goes on without one; throws
 * the 401/403 the route's policy calls for. Synchronous.
 */
export function tenantContextOf (principal: Principal, resolution: Resolution, required: boolean): TenantContext | null {
  if (resolution.kind === 'ok') {
    // A session from before the member was disabled stays dead after a re-enable: sign in again.
    const validAfter = resolution.context.tokensValidAfter
    if (validAfter !== undefined && !(principal.issuedAt >= validAfter)) throw new InvalidTokenError('The session was revoked; sign in again')
    return resolution.context
  }
  if (!required && (resolution.kind === 'none' || resolution.kind === 'ambiguous')) return null
  throw new ForbiddenError(
    resolution.kind === 'denied'
      ? resolution.reason
      : resolution.kind === 'ambiguous' ? 'You belong to more than one tenant; sign in to one of them' : 'You are not a member of any tenant'
  )
}

/**
 * Principals whose lookup failed recently (see DEGRADED_TTL_MS); bounded like the membership cache. A fixed TTL on
 * the real clock, so none of what ttlCache adjusts applies.
 */
export const createDegradedMarks = () => new LRUCache<string, true>({ max: MEMBERSHIP_CACHE_MAX_ENTRIES, ttl: DEGRADED_TTL_MS })
