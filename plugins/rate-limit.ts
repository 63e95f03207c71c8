// Per-tenant rate limiting: one tenant cannot starve the others. Keyed on the resolved tenant, so it runs after auth and tenant.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'

const TooManyRequests = (retryAfter: number) =>
  Object.assign(new Error('Too many requests for your tenant; retry later'), { statusCode: 429, code: 'APP_RATE_LIMITED', headers: { 'retry-after': String(retryAfter) } })

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

export default fp<{ config: Config }>(async function tenantRateLimit (app, { config }) {
  // Registered after access-policy: its onRoute hook appends the limiter to the route's onRequest hooks, which
  // access-policy has already filled with authenticate → resolve tenant → groups. So the tenant is known here, and a
  // request refused earlier (401/403) spends nothing from any tenant's budget.
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    keyGenerator: rateLimitKey,
    // No x-ratelimit-* on responses under the limit. The counts are per instance (see README, Known limits): behind a
    // load balancer or in Lambda, "remaining" would be one copy's count, not the tenant's, so advertising it misleads
    // clients. The three headers also cost ~6% of a cached request's throughput. A 429 still carries them and Retry-After.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => TooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000)))
  })
}, { name: 'rate-limit', dependencies: ['access-policy', 'tenant'] })
