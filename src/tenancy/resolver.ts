// Tenant resolution: a verified principal becomes a tenant context (scope + membership groups), from the membership,
// never from the request. The only place a request's TenantScope is minted.
import { mintTenantScope, type TenantContext, type TenantScope } from '../domain/tenant-scope.js'
import type { Principal } from '../domain/principal.js'
import { ID_REGEX, type TenantGroup } from '../domain/model.js'
import { usability } from '../domain/membership.js'
import { ForbiddenError, InvitationExpiredError, TenantRequiredError } from '../domain/errors.js'
import { InvalidTokenError } from '../auth/errors.js'
import type { membershipReads } from '../repositories/memberships.js'
import type { tenantsRepository } from '../repositories/tenants.js'
import type { accountsRepository } from '../repositories/accounts.js'
import { singleFlightCache, ttlCache } from '../ttl-cache.js'

/** The one refusal for a tenant the caller may not use, whether or not it exists. */
const NOT_A_MEMBER = 'You are not a member of this tenant'

/** Bounded: a flood of distinct users cannot grow the cache past this; the least recently used entry goes first. */
export const MEMBERSHIP_CACHE_MAX_ENTRIES = 10_000

/** Refusals remembered at once, and for how long (at most the membership TTL): a guess costs its reads once per few seconds. */
const DENIAL_CACHE_MAX_ENTRIES = 1000
const DENIAL_CACHE_TTL_MS = 5000

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
/** What GET /me shows of a person besides the token: their address as last seen, and the tenants they can act in. */
export interface MemberView { email: string | null, tenants: readonly MemberTenant[] }

interface Deps {
  memberships: Pick<ReturnType<typeof membershipReads>, 'findByUser' | 'get'>
  tenants: Pick<ReturnType<typeof tenantsRepository>, 'get' | 'getMany'>
  accounts: Pick<ReturnType<typeof accountsRepository>, 'get'>
  /** invited → active at the first request (src/services/users/ledger.ts acceptFirst: counts an admin, audited). */
  acceptFirst: (scope: TenantScope, userId: string, groups: readonly TenantGroup[], email?: string) => Promise<boolean>
  ttlMs: number
  /** Wall clock for invitation expiry (ms); Date.now by default. */
  clock?: () => number
  maxEntries?: number
  now?: () => number
}

/** A cached resolution, with the user and tenant that evict and evictTenant match it by. */
interface Cached { userId: string, tenantId?: string, value: Resolution }
/** A cached member view, with the user and tenants that evict and evictTenant match it by. */
interface CachedView { userId: string, tenantIds: string[], value: MemberView }

/**
 * The tenant a request asks for: the X-Tenant-Id header, else the token's claim (custom:tenant_id, from the pre token
 * generation trigger), else none (the caller's only usable membership decides). A membership confirms it either way.
 */
export interface Choice { userId: string, tenantId?: string }

/** A refusal of the caller's choice: cached apart from the memberships, briefly. */
const isRefusal = (r: Resolution) => r.kind === 'denied' || r.kind === 'expired'

/** The cache key of a request: the user and the tenant it chose (if any); both caches of this module use it. */
export const keyOf = (choice: Choice) => `${choice.userId}\u0000${choice.tenantId ?? ''}`

export function createTenantResolver (deps: Deps) {
  const { memberships, tenants, ttlMs } = deps
  const max = deps.maxEntries ?? MEMBERSHIP_CACHE_MAX_ENTRIES
  // One lookup per key at a time, also with caching off (ttlMs 0); an evict also reaches the lookups in flight, so a
  // membership disabled or removed meanwhile is not cached for a whole TTL.
  // Refusals (a tenant the caller may not use, an expired invitation) are not kept there: they go to their own small,
  // short-lived cache, so a caller naming random tenants fills that one and never evicts the memberships real
  // requests use.
  const resolutions = singleFlightCache<Cached>(max, ttlMs, deps.now, { keep: entry => !isRefusal(entry.value) })
  const denials = ttlCache<string, Cached>(DENIAL_CACHE_MAX_ENTRIES, Math.min(ttlMs, DENIAL_CACHE_TTL_MS), deps.now)
  const forgetDenials = (matches: (entry: Cached) => boolean) => {
    if (denials === undefined || denials.size === 0) return
    const stale: string[] = []
    for (const [key, entry] of denials.entries()) if (matches(entry)) stale.push(key)
    for (const key of stale) denials.delete(key)
  }

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
    if (state === 'accepts') await deps.acceptFirst(scope, userId, membership.groups, membership.email)
    return { kind: 'ok', context: Object.freeze({ scope, tenantId: membership.tenantId, groups: Object.freeze([...membership.groups]) as TenantContext['groups'], ...(membership.email ? { email: membership.email } : {}), ...(membership.tokensValidAfter ? { tokensValidAfter: membership.tokensValidAfter } : {}) }) }
  }

  /** Every active membership of the user, with its tenant's name (one BatchGetItem), and the account's address. */
  async function memberView (userId: string): Promise<MemberView> {
    const [found, account] = await Promise.all([memberships.findByUser(userId), deps.accounts.get(userId)])
    const active = found.filter(m => m.status === 'active')
    const named = await tenants.getMany(active.map(m => m.tenantId))
    const list = active
      .filter(m => named.has(m.tenantId))
      .map(m => Object.freeze({ tenantId: m.tenantId, name: named.get(m.tenantId)!.name, groups: Object.freeze([...m.groups]) as TenantGroup[] }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.tenantId.localeCompare(b.tenantId))
    // The account's address as last seen (an invite, a sign-up, a token); else a membership's copy.
    return Object.freeze({ email: account?.email ?? found[0]?.email ?? null, tenants: Object.freeze(list) })
  }
  // Cached like resolutions, under their own key space; evict() and evictTenant() drop them too.
  const views = singleFlightCache<CachedView>(max, ttlMs, deps.now)

  /** A resolution with the user and tenant that evict and evictTenant match it by. */
  const cachedOf = (userId: string, value: Resolution): Cached =>
    ({ userId, tenantId: value.kind === 'ok' ? value.context.tenantId : value.kind === 'denied' || value.kind === 'expired' ? value.tenantId : undefined, value })

  return {
    /** Synchronous: the cached resolution, or undefined when resolve() would have to read DynamoDB. */
    peek (choice: Choice): Resolution | undefined {
      const key = keyOf(choice)
      return resolutions.get(key)?.value ?? (denials === undefined || denials.size === 0 ? undefined : denials.get(key)?.value)
    },
    async resolve (choice: Choice): Promise<Resolution> {
      const key = keyOf(choice)
      const denied = denials === undefined || denials.size === 0 ? undefined : denials.get(key)
      if (denied !== undefined) return denied.value
      const entry = await resolutions.load(key, async () => cachedOf(choice.userId, await lookup(choice.userId, choice.tenantId)))
      if (isRefusal(entry.value)) denials?.set(key, entry)
      return entry.value
    },
    /** What GET /me lists: every active membership, with names and groups, and the address (cached like resolutions). */
    async memberView (userId: string): Promise<MemberView> {
      return (await views.load(userId, async () => {
        const value = await memberView(userId)
        return { userId, tenantIds: value.tenants.map(t => t.tenantId), value }
      })).value
    },
    /** Forget a user at once on this instance (removed, disabled or re-grouped member); other instances within the TTL. */
    evict (userId: string) {
      const prefix = keyOf({ userId })
      resolutions.evict(entry => entry.userId === userId, key => key.startsWith(prefix))
      forgetDenials(entry => entry.userId === userId)
      views.evict(entry => entry.userId === userId, () => true)
    },
    /** Forget every member of a tenant on this instance (tenant suspended, reactivated or renamed). */
    evictTenant (tenantId: string) {
      // A pending lookup's tenant is not known until it has read the membership: all of them go.
      resolutions.evict(entry => entry.tenantId === tenantId, () => true)
      forgetDenials(entry => entry.tenantId === tenantId)
      views.evict(entry => entry.tenantIds.includes(tenantId), () => true)
    },
    get size () { return resolutions.size },
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
