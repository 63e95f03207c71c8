// GET /me: who the caller is, as the API sees them (principal, and the tenant when one resolves).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Principal } from '../src/domain/principal.js'
import type { TenantContext } from '../src/domain/tenant-scope.js'
import { problemResponses } from '../src/http/problem.js'

const Me = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  tenantId: Type.Union([Type.String(), Type.Null()]),
  groups: Type.Array(Type.String()),
  scopes: Type.Array(Type.String())
}, { additionalProperties: false })

export const meSchema = {
  tags: ['me'],
  summary: 'The authenticated caller',
  security: [{ bearerAuth: [] }],
  response: { 200: Me, ...problemResponses(401, 403, 500, 503) }
}

/**
 * The GET /me body. Only a tenant the membership confirmed is shown, with its groups; a bare token claim is not shown
 * as the caller's tenant. Exported for bench/servers/auth.ts, which answers it with no tenant resolved.
 */
export function toMe (principal: Principal, tenant: Pick<TenantContext, 'tenantId' | 'groups' | 'email'> | null) {
  return {
    userId: principal.userId,
    username: principal.username,
    // Access tokens carry no email: the membership's, read and cached with the tenant (no extra read per request).
    email: principal.email ?? tenant?.email ?? null,
    tenantId: tenant?.tenantId ?? null,
    groups: tenant?.groups ?? principal.groups,
    scopes: principal.scopes
  }
}

const me: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', {
    // Any authenticated caller; a tenant is resolved when the caller has one, not required.
    config: { auth: { tenant: 'optional' } },
    schema: meSchema
  }, async (request) => {
    // access-policy ran authenticate first, so principal is set; a null here is a wiring bug, not a caller error.
    const principal = request.principal
    if (!principal) throw new Error('GET /me reached without a principal')
    return toMe(principal, request.tenant)
  })
}
export default me
