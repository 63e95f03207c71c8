// Tenancy: decorates the hook that sets request.tenant, from the resolver in src/tenancy/resolver.ts.
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TenantContext } from '../src/domain/tenant-scope.js'
import type { Principal } from '../src/domain/principal.js'
import type { Config } from '../src/config.js'
import { BadRequestError, ForbiddenError } from '../src/domain/errors.js'
import { ID_REGEX } from '../src/domain/model.js'
import { membershipReads } from '../src/repositories/memberships.js'
import { tenantsRepository } from '../src/repositories/tenants.js'
import { accountsRepository } from '../src/repositories/accounts.js'
import { membershipLedger } from '../src/services/users/ledger.js'
import { MEMBERSHIP_CACHE_MAX_ENTRIES, createTenantResolver, keyOf, tenantContextOf, type Choice, type MemberView, type Resolution } from '../src/tenancy/resolver.js'
import { bindLog } from '../src/http/log.js'

declare module 'fastify' {
  interface FastifyRequest {
    tenant: TenantContext | null
    /** True when a tenant-optional route went on without a tenant because the lookup failed (DynamoDB unreachable). */
    tenantUnavailable: boolean
  }
  interface FastifyInstance {
    resolveTenant: (request: FastifyRequest, reply: FastifyReply, required: boolean) => Promise<void>
    /** resolveTenant as a callback-style onRequest hook; synchronous on a membership-cache hit. */
    tenantHook: (required: boolean) => (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void
    tenantCache: Pick<ReturnType<typeof createTenantResolver>, 'evict' | 'evictTenant'>
    /** The tenants a user can act in and their address (GET /me), cached like resolutions. */
    memberView: (userId: string) => Promise<MemberView>
    /** Whether the user may act in the tenant now (an active membership of an active tenant), as a request would. */
    canActIn: (userId: string, tenantId: string) => Promise<boolean>
  }
}

/**
 * After a failed lookup, tenant-optional routes skip the lookup for this long and go on without a tenant at once.
 * Without it, while DynamoDB is down every GET /me waited for the SDK's retries and timeouts (up to seconds) only
 * to degrade anyway, and sent a struggling DynamoDB one more retried call per request. Required routes ignore it and
 * always try again: they cannot proceed without a tenant, so for them a fresh attempt is the only useful answer.
 */
export const DEGRADED_TTL_MS = 2000

/**
 * Principals whose lookup failed recently (see DEGRADED_TTL_MS); bounded like the membership cache. A fixed TTL on
 * the real clock (or a test's), so none of what ttlCache adjusts applies. With a test's clock, ttlResolution 0: lru-cache
 * otherwise keeps its last reading for a millisecond of real time, and a test's clock moves in jumps.
 */
const createDegradedMarks = (ttlMs = DEGRADED_TTL_MS, now?: () => number) =>
  new LRUCache<string, true>({ max: MEMBERSHIP_CACHE_MAX_ENTRIES, ttl: ttlMs, ...(now === undefined ? {} : { perf: { now }, ttlResolution: 0 }) })

/** The request header that chooses the tenant of a request, when the caller belongs to several. */
export const TENANT_HEADER = 'x-tenant-id'

/**
 * The tenant this request asks for: the X-Tenant-Id header, else the token's custom:tenant_id claim, else none. A
 * malformed header is the caller's mistake (400); a membership confirms a well-formed one like any other choice.
 */
function choiceOf (request: FastifyRequest, principal: Principal): Choice {
  const header = request.headers[TENANT_HEADER]
  if (header === undefined) return principal.tenantId === undefined ? { userId: principal.userId } : { userId: principal.userId, tenantId: principal.tenantId }
  if (typeof header !== 'string' || !ID_REGEX.test(header)) throw new BadRequestError('X-Tenant-Id is not a valid tenant id')
  return { userId: principal.userId, tenantId: header }
}

export default fp<{ config: Config, degradedTtlMs?: number, now?: () => number }>(async function tenant (app, opts) {
  const resolver = createTenantResolver({
    memberships: membershipReads(app.dynamo),
    tenants: tenantsRepository(app.dynamo),
    accounts: accountsRepository(app.dynamo),
    acceptFirst: membershipLedger({ dynamo: app.dynamo }).acceptFirst,
    ttlMs: opts.config.MEMBERSHIP_CACHE_TTL_SECONDS * 1000
  })
  app.decorate('tenantCache', { evict: resolver.evict, evictTenant: resolver.evictTenant })
  app.decorate('memberView', resolver.memberView)
  app.decorate('canActIn', async (userId: string, tenantId: string) => (await resolver.resolve({ userId, tenantId })).kind === 'ok')
  app.decorateRequest('tenant', null)
  app.decorateRequest('tenantUnavailable', false)

  /** Applies a resolution to the request: sets the tenant, or throws the error the route's policy calls for. Synchronous. */
  function apply (request: FastifyRequest, reply: FastifyReply, principal: Principal, resolution: Resolution, required: boolean) {
    const context = tenantContextOf(principal, resolution, required)
    if (context === null) return
    request.tenant = context
    // Every later log line of this request names the tenant (auth has already bound the user).
    bindLog(request, reply, { tenantId: context.tenantId })
  }

  const degraded = createDegradedMarks(opts.degradedTtlMs, opts.now)

  app.decorate('resolveTenant', async function resolveTenant (request: FastifyRequest, reply: FastifyReply, required: boolean) {
    const principal = request.principal
    if (!principal) throw new ForbiddenError('No tenant')
    const choice = choiceOf(request, principal)
    // Any later successful lookup clears the mark (and from then on the membership cache answers first).
    if (!required && degraded.size > 0 && degraded.get(keyOf(choice)) === true) {
      request.tenantUnavailable = true
      return
    }
    let resolution: Resolution
    try {
      resolution = await resolver.resolve(choice)
    } catch (err) {
      // A tenant-optional route must work without a tenant anyway (platform admins); degrade rather than fail it when
      // DynamoDB is unreachable. Nothing tenant-scoped can be reached without request.tenant, so this never widens access.
      if (required) throw err
      degraded.set(keyOf(choice), true)
      request.tenantUnavailable = true
      request.log.warn({ err }, 'tenant lookup failed; continuing without a tenant on a tenant-optional route')
      return
    }
    if (degraded.size > 0) degraded.delete(keyOf(choice))
    apply(request, reply, principal, resolution, required)
  })

  // resolveTenant as a callback-style onRequest hook (what access-policy attaches): a membership-cache hit completes
  // synchronously, with no promise and no extra microtask turn per request.
  app.decorate('tenantHook', function tenantHook (required: boolean) {
    return function resolveTenantHook (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
      const principal = request.principal
      if (principal) {
        let hit: Resolution | undefined
        try {
          hit = resolver.peek(choiceOf(request, principal))
          if (hit !== undefined) apply(request, reply, principal, hit, required)
        } catch (err) { return done(err as Error) }
        if (hit !== undefined) return done()
      }
      app.resolveTenant(request, reply, required).then(() => done(), done)
    }
  })
}, { name: 'tenant', dependencies: ['auth', 'dynamodb'] })
