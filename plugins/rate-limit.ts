// Request limits that hold across instances: per caller before tenant resolution (callerLimitHook), and per tenant
// after it (@fastify/rate-limit over a leased shared store, src/limits/leased-limiter.ts).
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { createLeasedLimiter, type LeasedLimiter } from '../src/limits/leased-limiter.js'
import type { LimitStore } from '../src/limits/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts every authenticated request against its caller's limit (access-policy runs it right after authentication). */
    callerLimitHook: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void
  }
}

const TooManyRequests = (detail: string, retryAfter: number) =>
  Object.assign(new Error(detail), { statusCode: 429, code: 'APP_RATE_LIMITED', headers: { 'retry-after': String(retryAfter) } })

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

/**
 * The bucket of a request: its tenant; a tenant-less authenticated caller (platform admin) by user; anything else
 * (public routes) by IP, which is the client's only with TRUST_PROXY set right behind a proxy. Health routes opt out
 * (config.rateLimit: false); /docs adds its own groupId.
 */
function rateLimitKey (request: FastifyRequest): string {
  if (request.tenant) return `tenant:${request.tenant.tenantId}`
  if (request.principal) return `user:${request.principal.userId}`
  return `ip:${request.ip}`
}

type IncrCallback = (err: Error | null, res: { current: number, ttl: number }) => void

/**
 * @fastify/rate-limit's store interface over leased limiters (one per max and window a route asks for). Allowed
 * requests report a count of 1 (no x-ratelimit-* headers are sent under the limit, see below); refused ones max + 1.
 */
function sharedStore (limitStore: LimitStore, onStoreError: (err: unknown) => void) {
  const limiters = new Map<string, LeasedLimiter>()
  const limiterFor = (max: number, windowMs: number) => {
    const id = `${max}/${windowMs}`
    let limiter = limiters.get(id)
    if (limiter === undefined) {
      limiter = createLeasedLimiter({ store: limitStore, name: 'requests', max, windowMs, onStoreError })
      limiters.set(id, limiter)
    }
    return limiter
  }
  return class SharedStore {
    incr (key: string, cb: IncrCallback, timeWindow: number, max: number) {
      const answer = (waitMs: number) => cb(null, waitMs === 0 ? { current: 1, ttl: timeWindow } : { current: max + 1, ttl: waitMs })
      const result = limiterFor(max, timeWindow).take(key)
      if (typeof result === 'number') answer(result)
      else result.then(answer, err => cb(err as Error, { current: 0, ttl: 0 }))
    }

    child () { return new SharedStore() }
  }
}

export default fp<{ config: Config }>(async function requestLimits (app, { config }) {
  const windowMs = config.RATE_LIMIT_WINDOW_SECONDS * 1000
  const onStoreError = (err: unknown) => app.log.warn({ err }, 'shared limit store failed; limits count per instance for a second')

  // Before tenant resolution, so a caller guessing at other tenants is limited like any other request of theirs, and
  // a refusal costs no membership read.
  // Never above the tenant limit: each of a caller's requests in a tenant counts there too.
  const callerMax = Math.min(config.CALLER_RATE_LIMIT_MAX, config.RATE_LIMIT_MAX)
  const callers = createLeasedLimiter({ store: app.limitStore, name: 'caller-requests', max: callerMax, windowMs, onStoreError })
  const refuseCaller = (waitMs: number) => TooManyRequests('Too many requests from you; retry later', seconds(waitMs))
  app.decorate('callerLimitHook', function callerLimitHook (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
    const principal = request.principal
    if (!principal) return done()
    const result = callers.take(principal.userId)
    if (typeof result === 'number') return done(result === 0 ? undefined : refuseCaller(result))
    result.then(waitMs => done(waitMs === 0 ? undefined : refuseCaller(waitMs)), done)
  })

  // Registered after access-policy: its onRoute hook appends the limiter to the route's onRequest hooks, which
  // access-policy has already filled with authenticate → caller limit → resolve tenant → groups. So the tenant is known
  // here, and a request refused earlier (401/403) spends nothing from any tenant's budget.
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: config.RATE_LIMIT_MAX,
    timeWindow: windowMs,
    keyGenerator: rateLimitKey,
    store: sharedStore(app.limitStore, onStoreError) as never,
    // The store fails open itself (src/limits/leased-limiter.ts); anything else it throws must not turn a request into a 500.
    skipOnError: true,
    // No x-ratelimit-* on responses under the limit: with leased slices, "remaining" would be one instance's view, not
    // the tenant's, so advertising it misleads clients. The three headers also cost ~6% of a cached request's
    // throughput. A 429 still carries them and Retry-After.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => TooManyRequests('Too many requests for your tenant; retry later', seconds(context.ttl))
  })
}, { name: 'rate-limit', dependencies: ['access-policy', 'tenant', 'limits'] })
