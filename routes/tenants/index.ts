// Tenant onboarding and lifecycle, for platform admins only (no tenant of their own: tenant 'none').
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN, TENANT_GROUPS, TENANT_STATUSES, USER_STATUSES } from '../../src/domain/model.js'
import { problemResponses } from '../../src/http/problem.js'
import { Email, InvitationView, Page, PageQuery, statusSchema } from '../../src/http/schemas.js'
import { invitationView } from '../../src/domain/membership.js'
import { actorOf, principalOf } from '../../src/http/request-context.js'
import { TenantNameSchema } from '../../src/domain/tenant-name.js'

const Status = statusSchema(TENANT_STATUSES)
const Tenant = Type.Object({ tenantId: Type.String(), name: Type.String(), status: Status, createdAt: Type.String(), updatedAt: Type.String() })
const Name = TenantNameSchema
const Appointed = Type.Object({ userId: Type.String(), email: Type.String(), groups: Type.Array(statusSchema(TENANT_GROUPS)), status: statusSchema(USER_STATUSES), invitation: Type.Optional(InvitationView) })
const Params = Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }) })
const UserParams = Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }), userId: Type.String({ pattern: ID_PATTERN }) })

const tenants: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.onboarding
  const auth = { groups: ['platform-admins'] as const, tenant: 'none' as const }
  const tags = ['tenants']
  const actor = async (request: Parameters<typeof principalOf>[0]) => await actorOf(request, app.memberView)

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
    const { tenant, admin } = await service.onboard({ name: request.body.name, adminEmail: request.body.adminEmail, actor: await actor(request) })
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

  app.get('/tenants/:tenantId/users', {
    config: { auth },
    schema: {
      tags,
      summary: 'A tenant\'s admins and members (and pending invitations), in user id order',
      params: Params,
      querystring: PageQuery(50),
      response: { 200: Page(Appointed), ...problemResponses(400, 401, 403, 404, 503) }
    }
  }, async (request) => {
    const page = await service.users(request.params.tenantId, { limit: request.query.limit, cursor: request.query.cursor })
    const now = Date.now()
    return {
      items: page.items.map(m => {
        const invitation = invitationView(m, now)
        return { userId: m.userId, email: m.email, groups: m.groups, status: m.status === 'pending' ? 'invited' as const : m.status, ...(invitation ? { invitation } : {}) }
      }),
      nextCursor: page.nextCursor
    }
  })

  app.patch('/tenants/:tenantId', {
    config: { auth },
    schema: {
      tags,
      summary: 'Rename, suspend or reactivate a tenant (audited; a suspended tenant\'s users are refused)',
      params: Params,
      body: Type.Object({ name: Type.Optional(Name), status: Type.Optional(Status) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Tenant, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => await service.update(request.params.tenantId, request.body, await actor(request)))

  app.post('/tenants/:tenantId/admins', {
    config: { auth },
    schema: {
      tags,
      summary: 'Restore a tenant\'s administration: a member of the tenant becomes an admin (200), or the person is invited as its admin and accepts as usual (201). Audited in the tenant',
      params: Params,
      body: Type.Object({ email: Email }, { additionalProperties: false }),
      response: {
        200: Appointed,
        201: Appointed,
        ...problemResponses(400, 401, 403, 404, 409, 503)
      }
    }
  }, async (request, reply) => {
    const { membership, invited } = await service.appointAdmin(request.params.tenantId, { email: request.body.email, actor: await actor(request) })
    return reply.code(invited ? 201 : 200).send({ userId: membership.userId, email: membership.email, groups: membership.groups, status: membership.status as 'invited' | 'active' | 'disabled' })
  })

  app.post('/tenants/:tenantId/users/:userId/invitation', {
    config: { auth },
    schema: {
      tags,
      summary: 'Renew an admin\'s pending invitation (a first admin\'s, whose tenant has nobody to do it): a new expiresAt and, for a person who never signed in, the temporary password again. Audited in the tenant; 409 for an invitation as member',
      params: UserParams,
      response: { 202: Type.Object({ status: Type.Literal('resent'), invitation: Type.Object({ expiresAt: Type.String() }) }), ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request, reply) => {
    const invitation = await service.renewAdminInvitation(request.params.tenantId, request.params.userId, await actor(request))
    return reply.code(202).send({ status: 'resent' as const, invitation: { expiresAt: invitation.expiresAt } })
  })
}
export default tenants
