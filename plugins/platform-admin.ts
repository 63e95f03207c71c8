// Platform routes: decorates confirmPlatformAdmin and platformStandingOf, the Cognito-backed check of src/tenancy/platform-admin.ts.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { InsufficientScopeError } from '../src/auth/errors.js'
import { createPlatformAdminCheck } from '../src/tenancy/platform-admin.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Throws 403 unless Cognito confirms the caller is an enabled platform admin (cached briefly). */
    confirmPlatformAdmin: (request: FastifyRequest) => Promise<void>
    /**
     * The caller's platform roles that Cognito confirms now (a token's groups alone are up to an hour old), and for a
     * platform admin, their address as Cognito holds it.
     */
    platformStandingOf: (request: FastifyRequest) => Promise<{ roles: string[], email?: string }>
  }
}

export default fp<{ config: Config }>(async function platformAdmin (app, { config }) {
  const check = createPlatformAdminCheck({ cognito: app.cognito, ttlMs: config.MEMBERSHIP_CACHE_TTL_SECONDS * 1000 })
  app.decorate('confirmPlatformAdmin', async function confirmPlatformAdmin (request: FastifyRequest) {
    const principal = request.principal
    if (!principal || !(await check.isPlatformAdmin(principal.userId, principal.username))) throw new InsufficientScopeError()
  })
  app.decorate('platformStandingOf', async function platformStandingOf (request: FastifyRequest) {
    const principal = request.principal
    // Only a token that claims the role costs a Cognito check; everyone else has none.
    if (!principal?.groups.includes('platform-admins')) return { roles: [] }
    const found = await check.standing(principal.userId, principal.username)
    return found.admin ? { roles: ['platform-admins'], ...(found.email !== undefined ? { email: found.email } : {}) } : { roles: [] }
  })
}, { name: 'platform-admin', dependencies: ['cognito', 'auth'] })
