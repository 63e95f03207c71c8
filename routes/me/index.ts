// GET /me: who the caller is and which tenants they can act in; PUT /me/default-tenant: the tenant of their next tokens;
// DELETE /me/memberships/:tenantId: leave a tenant.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Principal } from '../../src/domain/principal.js'
import type { TenantContext } from '../../src/domain/tenant-scope.js'
import type { MemberView } from '../../src/tenancy/resolver.js'
import { ID_PATTERN, PLATFORM_GROUPS, TENANT_GROUPS } from '../../src/domain/model.js'
import { principalOf } from '../../src/http/request-context.js'
import { ForbiddenError } from '../../src/domain/errors.js'
import { problemResponses } from '../../src/http/problem.js'
import { statusSchema } from '../../src/http/schemas.js'

const TenantGroups = Type.Array(statusSchema(TENANT_GROUPS))
const Me = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()], { description: 'the address of the caller\'s account as last seen (an invitation, the sign-up, the last token); null only when no record of it exists' }),
  platformRoles: Type.Array(statusSchema(PLATFORM_GROUPS), { description: 'the caller\'s platform roles, confirmed with Cognito now' }),
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
export function toMe (principal: Principal, tenant: Pick<TenantContext, 'tenantId' | 'groups' | 'email'> | null, view: MemberView, platformRoles: readonly string[] = []) {
  return {
    userId: principal.userId,
    username: principal.username,
    // Access tokens carry no email: the account's, read and cached with the tenant list (no extra read per request).
    email: principal.email ?? view.email ?? tenant?.email ?? null,
    platformRoles: [...platformRoles] as Array<typeof PLATFORM_GROUPS[number]>,
    tenantId: tenant?.tenantId ?? null,
    groups: tenant?.groups ?? [],
    scopes: principal.scopes,
    tenants: view.tenants.map(t => ({ tenantId: t.tenantId, name: t.name, groups: [...t.groups] }))
  }
}

const me: FastifyPluginAsyncTypebox = async (app) => {
  const profiles = app.repos.profiles

  app.get('/me', {
    // Any authenticated caller; a tenant is resolved when the caller has one, not required.
    config: { auth: { tenant: 'optional' } },
    schema: meSchema
  }, async (request) => {
    const principal = principalOf(request)
    // While the tenant lookup is failing, /me still answers who the caller is (as for its tenant); the list waits for it.
    const [view, platform] = await Promise.all([
      request.tenantUnavailable ? { email: null, tenants: [] } : app.memberView(principal.userId),
      // While Cognito cannot confirm a role, /me shows none rather than failing (platform routes still refuse).
      app.platformStandingOf(request).catch((err: unknown) => { request.log.warn({ err }, 'platform role check failed; GET /me shows none'); return { roles: [] } })
    ])
    // A platform admin without memberships has no account record: Cognito's address, read with the role.
    const email = view.email ?? ('email' in platform ? platform.email : undefined) ?? null
    return toMe(principal, request.tenant, { ...view, email }, platform.roles)
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
    const principal = principalOf(request)
    // The same answer whether or not the tenant exists.
    if (!await app.canActIn(principal.userId, request.body.tenantId)) throw new ForbiddenError('You are not a member of this tenant')
    await profiles.setDefaultTenant(principal.userId, request.body.tenantId)
    return reply.code(204).send(null)
  })

  app.delete('/me/memberships/:tenantId', {
    config: { auth: { tenant: 'none' } },
    schema: {
      tags: ['me'],
      summary: 'Leave a tenant: your membership ends (audited user.left in that tenant); with your last membership your account is deleted. 409 for the tenant\'s last active admin, or for a pending invitation (decline it instead)',
      security: [{ bearerAuth: [] }],
      params: Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }) }),
      response: { 204: Type.Null({ description: 'Left' }), ...problemResponses(400, 401, 404, 409, 503) }
    }
  }, async (request, reply) => {
    await app.services.invitations.leave(principalOf(request).userId, request.params.tenantId)
    return reply.code(204).send(null)
  })
}
export default me
