// Platform routes: decorates confirmPlatformAdmin and platformRolesOf, the Cognito-backed check of src/tenancy/platform-admin.ts.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { InsufficientScopeError } from '../src/auth/errors.js'
import { createPlatformAdminCheck } from '../src/tenancy/platform-admin.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Throws 403 unless Cognito confirms the caller is an enabled platform admin (cached briefly). */
    confirmPlatformAdmin: (request: FastifyRequest) => Promise<void>
    /** The caller's platform roles that Cognito confirms now (a token's groups alone are up to an hour old). */
    platformRolesOf: (request: FastifyRequest) => Promise<string[]>
  }
}

export default fp<{ config: Config }>(async function platformAdmin (app, { config }) {
  const check = createPlatformAdminCheck({ cognito: app.cognito, ttlMs: config.MEMBERSHIP_CACHE_TTL_SECONDS * 1000 })
  app.decorate('confirmPlatformAdmin', async function confirmPlatformAdmin (request: FastifyRequest) {
    const principal = request.principal
    if (!principal || !(await check.isPlatformAdmin(principal.userId, principal.username))) throw new InsufficientScopeError()
  })
  app.decorate('platformRolesOf', async function platformRolesOf (request: FastifyRequest) {
    const principal = request.principal
    // Only a token that claims the role costs a Cognito check; everyone else has none.
    if (!principal?.groups.includes('platform-admins')) return []
    return await check.isPlatformAdmin(principal.userId, principal.username) ? ['platform-admins'] : []
  })
}, { name: 'platform-admin', dependencies: ['cognito', 'auth'] })
