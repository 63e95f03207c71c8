// What upstream plugins decided about a request, for handlers: its principal and its tenant scope, each one typed error when missing.
import type { FastifyRequest } from 'fastify'
import type { Principal } from '../domain/principal.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { ForbiddenError } from '../domain/errors.js'
import { AuthenticationRequiredError } from '../auth/errors.js'

/**
 * The verified caller. access-policy authenticates every non-public route before its handler, so a missing one is a
 * wiring mistake; it is still refused as unauthenticated (401), never served and never a 500.
 */
export function principalOf (request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthenticationRequiredError()
  return request.principal
}

/**
 * The caller's tenant scope, for handlers of routes whose policy requires a tenant. access-policy has resolved it
 * before the handler runs; a missing one is a wiring mistake, and it still denies rather than proceeds.
 */
export function tenantScopeOf (request: FastifyRequest): TenantScope {
  if (!request.tenant) throw new ForbiddenError('No tenant')
  return request.tenant.scope
}
