// Tenant onboarding and lifecycle, for platform admins only (no tenant of their own: tenant 'none').
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN, TENANT_STATUSES } from '../../src/domain/model.js'
import { problemResponses } from '../../src/http/problem.js'
import { Email, Page, PageQuery, statusSchema } from '../../src/http/schemas.js'
import { createTenantUsers, type TenantUsersFaults } from '../../src/services/tenant-users.js'
import { createTenantOnboarding } from '../../src/services/tenant-onboarding.js'

const Status = statusSchema(TENANT_STATUSES)
const Tenant = Type.Object({ tenantId: Type.String(), name: Type.String(), status: Status, createdAt: Type.String(), updatedAt: Type.String() })
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Params = Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }) })

const tenants: FastifyPluginAsyncTypebox<{ faults?: TenantUsersFaults, invitationTtlSeconds?: number }> = async (app, opts) => {
  const service = createTenantOnboarding({
    dynamo: app.dynamo,
    tenantUsers: createTenantUsers({ dynamo: app.dynamo, cognito: app.cognito, evictMembership: userId => app.tenantCache.evict(userId), faults: opts.faults, invitationTtlSeconds: opts.invitationTtlSeconds }),
    // plugins/tenant caches tenants' members: a suspension takes effect at once on this instance (others within the TTL).
    evictTenant: tenantId => app.tenantCache.evictTenant(tenantId)
  })
  const auth = { groups: ['platform-admins'] as const, tenant: 'none' as const }
  const tags = ['tenants']
  const actor = (userId: string | undefined) => userId ?? 'unknown'

  app.post('/tenants', {
    config: { auth },
    schema: {
      tags,
      summary: 'Onboard a tenant and invite its first admin',
      body: Type.Object({
        name: Name,
        adminEmail: Email
      }, { additionalProperties: false }),
      response: {
        201: Type.Object({
          tenantId: Type.String(),
          name: Type.String(),
          status: Status,
          createdAt: Type.String(),
          admin: Type.Object({ userId: Type.String(), email: Type.String(), status: Type.Literal('invited') })
        }),
        ...problemResponses(400, 401, 403, 409, 503)
      }
    }
  }, async (request, reply) => {
    const { tenant, admin } = await service.onboard({ name: request.body.name, adminEmail: request.body.adminEmail, actor: actor(request.principal?.userId) })
    return reply.code(201).send({
      tenantId: tenant.tenantId,
      name: tenant.name,
      status: tenant.status,
      createdAt: tenant.createdAt,
      admin: { userId: admin.userId, email: admin.email, status: 'invited' as const }
    })
  })

  app.get('/tenants', {
    config: { auth },
    schema: {
      tags,
      summary: 'All tenants, oldest first',
      querystring: PageQuery(),
      response: { 200: Page(Tenant), ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => await service.list({ limit: request.query.limit, cursor: request.query.cursor }))

  app.get('/tenants/:tenantId', {
    config: { auth },
    schema: { tags, summary: 'One tenant', params: Params, response: { 200: Tenant, ...problemResponses(400, 401, 403, 404, 503) } }
  }, async (request) => await service.get(request.params.tenantId))

  app.patch('/tenants/:tenantId', {
    config: { auth },
    schema: {
      tags,
      summary: 'Rename, suspend or reactivate a tenant (audited; a suspended tenant\'s users are refused)',
      params: Params,
      body: Type.Object({ name: Type.Optional(Name), status: Type.Optional(Status) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Tenant, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => await service.update(request.params.tenantId, request.body, actor(request.principal?.userId)))
}
export default tenants
