// Tenant resolution: a verified principal becomes a tenant context (scope + membership groups), from the membership,
// never from the request. The only place a request's TenantScope is minted.
import { LRUCache } from 'lru-cache'
import type { FastifyRequest } from 'fastify'
import { mintTenantScope, type TenantContext, type TenantScope } from '../domain/tenant-scope.js'
import type { Principal } from '../domain/principal.js'
import { ID_REGEX, type TenantGroup } from '../domain/model.js'
import { usability } from '../domain/membership.js'
import { ForbiddenError, InvitationExpiredError, TenantRequiredError } from '../domain/errors.js'
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

/** The one refusal for a tenant the caller may not use, whether or not it exists. */
const NOT_A_MEMBER = 'You are not a member of this tenant'

/** Bounded: a flood of distinct users cannot grow the cache past this; the least recently used entry goes first. */
const MEMBERSHIP_CACHE_MAX_ENTRIES = 10_000

/** Refusals remembered at once, and for how long (at most the membership TTL): a guess costs its reads once per few seconds. */
const DENIAL_CACHE_MAX_ENTRIES = 1000
const DENIAL_CACHE_TTL_MS = 5000

/**
 * After a failed lookup, tenant-optional routes skip the lookup for this long and go on without a tenant at once.
 * Without it, while DynamoDB is down every GET /me waited for the SDK's retries and timeouts (up to seconds) only
 * to degrade anyway, and sent a struggling DynamoDB one more retried call per request. Required routes ignore it and
 * always try again: they cannot proceed without a tenant, so for them a fresh attempt is the only useful answer.
 */
export const DEGRADED_TTL_MS = 2000

/**
 * What a request resolves to. Only `ok` yields a tenant. With nothing chosen, `none` (no usable membership) and
 * `ambiguous` (several) let a tenant-optional route go on without a tenant; a tenant-required one answers 403 and 400
 * (APP_TENANT_REQUIRED). `denied` is 403 and `expired` (the invitation this request would accept) 410 everywhere.
 */
export type Resolution =
  | { kind: 'ok', context: TenantContext }
  | { kind: 'none' }
  | { kind: 'ambiguous' }
  | { kind: 'denied', reason: string, tenantId?: string }
  | { kind: 'expired', tenantId: string }

/** A tenant the caller can act in, as GET /me lists them. */
export interface MemberTenant { tenantId: string, name: string, groups: TenantGroup[] }

interface Deps {
  memberships: Pick<ReturnType<typeof membershipsRepository>, 'findByUser' | 'get' | 'markActive'>
  tenants: Pick<ReturnType<typeof tenantsRepository>, 'get'>
  ttlMs: number
  /** Wall clock for invitation expiry (ms); Date.now by default. */
  clock?: () => number
  maxEntries?: number
  now?: () => number
}

/** A cached resolution, with the user and tenant that evict and evictTenant match it by. */
interface Cached { userId: string, tenantId?: string, value: Resolution }

/**
 * The tenant a request asks for: the X-Tenant-Id header, else the token's claim (custom:tenant_id, from the pre token
 * generation trigger), else none (the caller's only usable membership decides). A membership confirms it either way.
 */
export interface Choice { userId: string, tenantId?: string }

/** The cache key of a request: the user and the tenant it chose (if any); both caches of this module use it. */
export const keyOf = (choice: Choice) => `${choice.userId}\u0000${choice.tenantId ?? ''}`

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

  const clock = deps.clock ?? Date.now

  async function lookup (userId: string, chosen: string | undefined): Promise<Resolution> {
    let tenantId: string
    if (chosen !== undefined) {
      // The request picks the tenant, the membership must confirm it. The header's format is checked before this; a
      // token claim in a bad format is a disagreement like any other.
      if (!ID_REGEX.test(chosen)) return { kind: 'denied', reason: NOT_A_MEMBER }
      tenantId = chosen
    } else {
      const found = await memberships.findByUser(userId)
      const now = clock()
      const candidates = found.filter(m => { const u = usability(m, now); return u === 'usable' || u === 'accepts' })
      if (candidates.length > 1) return { kind: 'ambiguous' }
      const only = candidates[0]
      if (only === undefined) {
        // A new person whose only invitation expired before their first request: told so, not "no tenant".
        const expired = found.find(m => usability(m, now) === 'expired')
        if (expired) return { kind: 'expired', tenantId: expired.tenantId }
        // A person whose one membership is disabled (or still being written) is told why below, not "no tenant".
        const [single] = found
        if (found.length !== 1 || single === undefined || usability(single, now) !== 'unusable') return { kind: 'none' }
        tenantId = single.tenantId
      } else {
        tenantId = only.tenantId
      }
    }
    // The tenant is read alongside the membership (one round trip, not two) but only looked at once the membership
    // confirms it: the membership alone decides a refusal, even when the tenant read fails.
    const tenantRead = tenants.get(tenantId, { consistent: true })
    tenantRead.catch(() => {}) // awaited below, or deliberately dropped with a refusal
    // Confirmed on the table in both cases; GSI1 is eventually consistent, so a just-removed membership does not linger.
    const membership = await memberships.get(mintTenantScope(tenantId), userId, { consistent: true })
    // The same answer whether or not the tenant exists.
    if (!membership) return chosen !== undefined ? { kind: 'denied', reason: NOT_A_MEMBER } : { kind: 'none' }
    const state = usability(membership, clock())
    if (state === 'expired') return { kind: 'expired', tenantId: membership.tenantId }
    if (state === 'pending') return { kind: 'denied', reason: 'Accept the invitation to this tenant first', tenantId: membership.tenantId }
    if (state === 'unusable') return { kind: 'denied', reason: `Your membership is ${membership.status}`, tenantId: membership.tenantId }
    const tenant = await tenantRead
    if (!tenant || tenant.status !== 'active') return { kind: 'denied', reason: 'The tenant is suspended', tenantId: membership.tenantId }
    const scope = mintTenantScope(membership.tenantId)
    // An invitation that created the account: this is the person's first authenticated request here, which accepts it.
    if (state === 'accepts') await memberships.markActive(scope, userId)
    return { kind: 'ok', context: Object.freeze({ scope, tenantId: membership.tenantId, groups: Object.freeze([...membership.groups]) as TenantContext['groups'], ...(membership.email ? { email: membership.email } : {}), ...(membership.tokensValidAfter ? { tokensValidAfter: membership.tokensValidAfter } : {}) }) }
  }

  /** Every active membership of the user, with its tenant's name (the tenants read side by side). */
  async function memberTenants (userId: string): Promise<MemberTenant[]> {
    const active = (await memberships.findByUser(userId)).filter(m => m.status === 'active')
    const named = await Promise.all(active.map(async m => ({ m, tenant: await tenants.get(m.tenantId) })))
    return named
      .filter(({ tenant }) => tenant !== null)
      .map(({ m, tenant }) => Object.freeze({ tenantId: m.tenantId, name: tenant!.name, groups: Object.freeze([...m.groups]) as TenantGroup[] }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.tenantId.localeCompare(b.tenantId))
  }
  // Cached like resolutions, under their own key space; evict() and evictTenant() drop them too.
  const listCache = ttlCache<string, { userId: string, tenantIds: string[], value: readonly MemberTenant[] }>(deps.maxEntries ?? MEMBERSHIP_CACHE_MAX_ENTRIES, ttlMs, deps.now)
  const listInflight = new Map<string, Promise<readonly MemberTenant[]>>()

  // Refusals (a tenant the caller may not use, an expired invitation) in their own small, short-lived cache: a caller
  // naming random tenants fills this one, never evicting the memberships real requests use.
  const denials = ttlCache<string, Cached>(DENIAL_CACHE_MAX_ENTRIES, Math.min(ttlMs, DENIAL_CACHE_TTL_MS), deps.now)

  function remember (key: string, userId: string, value: Resolution) {
    if (value.kind === 'denied' || value.kind === 'expired') denials?.set(key, { userId, tenantId: value.tenantId, value })
    else cache?.set(key, { userId, tenantId: value.kind === 'ok' ? value.context.tenantId : undefined, value })
  }

  /** The cached resolution, if there is one within its TTL (an expired one is dropped). */
  const cached = (key: string): Resolution | undefined => cache?.get(key)?.value ?? (denials === undefined || denials.size === 0 ? undefined : denials.get(key)?.value)

  /**
   * Drops the cached entries that match (collected first: lru-cache does not promise iteration across a delete), and
   * the in-flight lookups `inflightMatches` names: a request arriving after an evict starts its own lookup instead of
   * joining one that may have read the state before the change.
   */
  function forget (matches: (entry: Cached) => boolean, inflightMatches: (key: string) => boolean, listMatches: (entry: { userId: string, tenantIds: string[] }) => boolean) {
    generation++
    for (const key of [...inflight.keys()]) if (inflightMatches(key)) inflight.delete(key)
    listInflight.clear()
    if (listCache !== undefined) {
      const stale: string[] = []
      for (const [key, entry] of listCache.entries()) if (listMatches(entry)) stale.push(key)
      for (const key of stale) listCache.delete(key)
    }
    for (const store of [cache, denials]) {
      if (store === undefined) continue
      const keys: string[] = []
      for (const [key, entry] of store.entries()) if (matches(entry)) keys.push(key)
      for (const key of keys) store.delete(key)
    }
  }

  return {
    /** Synchronous: the cached resolution, or undefined when resolve() would have to read DynamoDB. */
    peek (choice: Choice): Resolution | undefined {
      return cached(keyOf(choice))
    },
    async resolve (choice: Choice): Promise<Resolution> {
      const key = keyOf(choice)
      const hit = cached(key)
      if (hit !== undefined) return hit
      let pending = inflight.get(key)
      if (!pending) {
        const startedAt = generation
        pending = lookup(choice.userId, choice.tenantId)
          .then(value => { if (generation === startedAt) remember(key, choice.userId, value); return value })
          // Only its own entry: an evict may have replaced it with a newer lookup meanwhile.
          .finally(() => { if (inflight.get(key) === pending) inflight.delete(key) })
        inflight.set(key, pending)
      }
      return await pending
    },
    /** The tenants GET /me lists: every active membership, with names and groups (cached like resolutions). */
    async memberTenants (userId: string): Promise<readonly MemberTenant[]> {
      const hit = listCache?.get(userId)
      if (hit !== undefined) return hit.value
      let pending = listInflight.get(userId)
      if (!pending) {
        const startedAt = generation
        pending = memberTenants(userId)
          .then(value => { if (generation === startedAt) listCache?.set(userId, { userId, tenantIds: value.map(t => t.tenantId), value }); return value })
          .finally(() => { if (listInflight.get(userId) === pending) listInflight.delete(userId) })
        listInflight.set(userId, pending)
      }
      return await pending
    },
    /** Forget a user at once on this instance (removed, disabled or re-grouped member); other instances within the TTL. */
    evict (userId: string) {
      forget(entry => entry.userId === userId, key => key.startsWith(keyOf({ userId })), entry => entry.userId === userId)
    },
    /** Forget every member of a tenant on this instance (tenant suspended, reactivated or renamed). */
    evictTenant (tenantId: string) {
      // A pending lookup's tenant is not known until it has read the membership: all of them go.
      forget(entry => entry.tenantId === tenantId, () => true, entry => entry.tenantIds.includes(tenantId))
    },
    get size () { return cache?.size ?? 0 },
    /** Refusals cached now (their own cache, see DENIAL_CACHE_MAX_ENTRIES). */
    get deniedSize () { return denials?.size ?? 0 }
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
  if (resolution.kind === 'ambiguous') throw new TenantRequiredError()
  if (resolution.kind === 'expired') throw new InvitationExpiredError()
  throw new ForbiddenError(resolution.kind === 'denied' ? resolution.reason : 'You are not a member of any tenant')
}

/**
 * Principals whose lookup failed recently (see DEGRADED_TTL_MS); bounded like the membership cache. A fixed TTL on
 * the real clock (or a test's), so none of what ttlCache adjusts applies. With a test's clock, ttlResolution 0: lru-cache
 * otherwise keeps its last reading for a millisecond of real time, and a test's clock moves in jumps.
 */
export const createDegradedMarks = (ttlMs = DEGRADED_TTL_MS, now?: () => number) =>
  new LRUCache<string, true>({ max: MEMBERSHIP_CACHE_MAX_ENTRIES, ttl: ttlMs, ...(now === undefined ? {} : { perf: { now }, ttlResolution: 0 }) })
