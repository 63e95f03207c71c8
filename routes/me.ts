// GET /me: who the caller is and which tenants they can act in; PUT /me/default-tenant: the tenant of their next tokens.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Principal } from '../src/domain/principal.js'
import type { TenantContext } from '../src/domain/tenant-scope.js'
import type { MemberTenant } from '../src/tenancy/resolver.js'
import { ID_PATTERN, TENANT_GROUPS } from '../src/domain/model.js'
import { ForbiddenError } from '../src/domain/errors.js'
import { problemResponses } from '../src/http/problem.js'
import { profilesRepository } from '../src/repositories/profiles.js'
import { statusSchema } from '../src/http/schemas.js'

const TenantGroups = Type.Array(statusSchema(TENANT_GROUPS))
const Me = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  tenantId: Type.Union([Type.String(), Type.Null()], { description: 'the tenant this request acts in; null when none is chosen' }),
  groups: Type.Array(Type.String(), { description: 'the caller\'s groups in that tenant; [] when none is chosen' }),
  scopes: Type.Array(Type.String()),
  tenants: Type.Array(Type.Object({ tenantId: Type.String(), name: Type.String(), groups: TenantGroups }), { description: 'every tenant the caller is an active member of' })
}, { additionalProperties: false })

export const meSchema = {
  tags: ['me'],
  summary: 'The authenticated caller, the tenant of this request (X-Tenant-Id, else the token\'s, else the only one), and every tenant they can act in',
  security: [{ bearerAuth: [] }],
  response: { 200: Me, ...problemResponses(400, 401, 403, 410, 500, 503) }
}

/**
 * The GET /me body. Only a tenant the membership confirmed is shown, with its groups; a bare token claim is not shown
 * as the caller's tenant. Exported for bench/servers/auth.ts, which answers it with no tenant resolved.
 */
export function toMe (principal: Principal, tenant: Pick<TenantContext, 'tenantId' | 'groups' | 'email'> | null, tenants: readonly MemberTenant[]) {
  return {
    userId: principal.userId,
    username: principal.username,
    // Access tokens carry no email: the membership's, read and cached with the tenant (no extra read per request).
    email: principal.email ?? tenant?.email ?? null,
    tenantId: tenant?.tenantId ?? null,
    groups: tenant?.groups ?? [],
    scopes: principal.scopes,
    tenants: tenants.map(t => ({ tenantId: t.tenantId, name: t.name, groups: [...t.groups] }))
  }
}

const me: FastifyPluginAsyncTypebox = async (app) => {
  const profiles = profilesRepository(app.dynamo)

  app.get('/me', {
    // Any authenticated caller; a tenant is resolved when the caller has one, not required.
    config: { auth: { tenant: 'optional' } },
    schema: meSchema
  }, async (request) => {
    // access-policy ran authenticate first, so principal is set; a null here is a wiring bug, not a caller error.
    const principal = request.principal
    if (!principal) throw new Error('GET /me reached without a principal')
    // While the tenant lookup is failing, /me still answers who the caller is (as for its tenant); the list waits for it.
    return toMe(principal, request.tenant, request.tenantUnavailable ? [] : await app.memberTenants(principal.userId))
  })

  app.put('/me/default-tenant', {
    config: { auth: { tenant: 'none' } },
    schema: {
      tags: ['me'],
      summary: 'Choose the tenant that your next tokens name (custom:tenant_id), when no X-Tenant-Id is sent',
      security: [{ bearerAuth: [] }],
      body: Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }) }, { additionalProperties: false }),
      response: { 204: Type.Null({ description: 'Saved; takes effect at the next sign-in or token refresh' }), ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request, reply) => {
    const principal = request.principal
    if (!principal) throw new Error('PUT /me/default-tenant reached without a principal')
    // The same answer whether or not the tenant exists.
    if (!await app.canActIn(principal.userId, request.body.tenantId)) throw new ForbiddenError('You are not a member of this tenant')
    await profiles.setDefaultTenant(principal.userId, request.body.tenantId)
    return reply.code(204).send(null)
  })
}
export default me
