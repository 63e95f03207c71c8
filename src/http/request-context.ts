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

/** Who did it, for an audit entry: the user id and the address to name them by once they are gone. */
export interface Actor { userId: string, email?: string }

/**
 * The caller as an actor. The address costs no read in the usual case: the token's (id tokens), else the membership's
 * copy that the tenant plugin already resolved, else the account's, from the cached member view (GET /me's).
 */
export async function actorOf (request: FastifyRequest, memberView: (userId: string) => Promise<{ email: string | null }>): Promise<Actor> {
  const principal = principalOf(request)
  const email = principal.email ?? request.tenant?.email ?? (await memberView(principal.userId).catch(() => ({ email: null }))).email
  return { userId: principal.userId, ...(email !== null && email !== undefined ? { email } : {}) }
}
