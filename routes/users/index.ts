// Tenant user management for the tenant's admins: invite, list, groups, disable/enable, remove, resend. The tenant is always request.tenant.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN, SETTABLE_USER_STATUSES, USER_STATUSES, type Membership, type UserStatus } from '../../src/domain/model.js'
import { problemResponses } from '../../src/http/problem.js'
import { actorOf, tenantScopeOf } from '../../src/http/request-context.js'
import { Email, InvitationView, Page, PageQuery, statusSchema } from '../../src/http/schemas.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { invitationView } from '../../src/domain/membership.js'

const TenantGroup = Type.Union([Type.Literal('admins'), Type.Literal('members')])
const UserId = Type.String({ pattern: ID_PATTERN })
const User = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  groups: Type.Array(TenantGroup),
  status: statusSchema(USER_STATUSES),
  invitation: Type.Optional(InvitationView)
})
const UserParams = Type.Object({ userId: UserId })
const NoContent = Type.Null()

/** The scope and actor (named by address, for the audit trail), both from upstream plugins: never from the request itself. */
async function caller (app: FastifyInstance, request: FastifyRequest) {
  return { scope: tenantScopeOf(request), actor: await actorOf(request, app.memberView) }
}

/** The user as admins see it; a pending invitation shows its expiry, and `expired: true` once that has passed. */
function toUser (m: Pick<Membership, 'userId' | 'email' | 'groups' | 'status' | 'invitation'>, nowMs = Date.now()) {
  const invitation = invitationView(m, nowMs)
  return { userId: m.userId, email: m.email, groups: m.groups, status: m.status as UserStatus, ...(invitation ? { invitation } : {}) }
}

const users: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.tenantUsers
  const auth = { groups: ['admins'] as const, tenant: 'required' as const }
  const tags = ['users']

  app.post('/users', {
    config: { auth },
    schema: {
      tags,
      summary: 'Invite a person into the caller\'s tenant: a new account (accepted by their first request), or a pending invitation for an existing one',
      body: Type.Object({
        email: Email,
        groups: Type.Optional(Type.Array(TenantGroup, { minItems: 1, maxItems: 2, uniqueItems: true }))
      }, { additionalProperties: false }),
      response: {
        201: Type.Object({
          userId: Type.String(),
          email: Type.String(),
          groups: Type.Array(TenantGroup),
          status: Type.Literal('invited'),
          invitation: Type.Object({ expiresAt: Type.String() })
        }),
        ...problemResponses(400, 401, 403, 409, 503)
      }
    }
  }, async (request, reply) => {
    const { scope, actor } = await caller(app, request)
    const m = await service.invite(scope, { email: request.body.email, groups: request.body.groups, actor })
    return reply.code(201).send({ userId: m.userId, email: m.email, groups: m.groups, status: 'invited' as const, invitation: { expiresAt: m.invitation?.expiresAt ?? '' } })
  })

  app.get('/users', {
    config: { auth },
    schema: {
      tags,
      summary: 'The caller\'s tenant\'s users, from the memberships (Cognito cannot filter on custom attributes)',
      querystring: PageQuery(),
      response: { 200: Page(User), ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const scope = tenantScopeOf(request)
    const page = await service.list(scope, { limit: request.query.limit, cursor: request.query.cursor })
    return { items: page.items.map(m => toUser(m)), nextCursor: page.nextCursor }
  })

  app.get('/users/:userId', {
    config: { auth },
    schema: { tags, summary: 'One user of the caller\'s tenant', params: UserParams, response: { 200: User, ...problemResponses(400, 401, 403, 404, 503) } }
  }, async (request) => {
    const scope = tenantScopeOf(request)
    return toUser(await service.get(scope, request.params.userId))
  })

  const GroupParams = Type.Object({ userId: UserId, group: TenantGroup })
  app.put('/users/:userId/groups/:group', {
    config: { auth },
    schema: { tags, summary: 'Add the user to a group (admins or members)', params: GroupParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = await caller(app, request)
    await service.addGroup(scope, request.params.userId, request.params.group, actor)
    return reply.code(204).send(null)
  })

  app.delete('/users/:userId/groups/:group', {
    config: { auth },
    schema: { tags, summary: 'Remove the user from a group; the last admin stays', params: GroupParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = await caller(app, request)
    await service.removeGroup(scope, request.params.userId, request.params.group, actor)
    return reply.code(204).send(null)
  })

  app.patch('/users/:userId', {
    config: { auth },
    schema: {
      tags,
      summary: 'Disable the user in this tenant, or re-enable them; their Cognito account is disabled (and signed out) only while no tenant holds a live membership. 409 for an invitation to a person who already had an account: revoke it instead',
      params: UserParams,
      body: Type.Object({ status: statusSchema(SETTABLE_USER_STATUSES) }, { additionalProperties: false }),
      response: { 200: User, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => {
    const { scope, actor } = await caller(app, request)
    await service.setStatus(scope, request.params.userId, request.body.status, actor)
    return toUser(await service.get(scope, request.params.userId))
  })

  app.delete('/users/:userId', {
    config: { auth },
    schema: { tags, summary: 'Remove the user from this tenant, or revoke their pending invitation; the account goes only with their last membership', params: UserParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = await caller(app, request)
    await service.remove(scope, request.params.userId, actor)
    return reply.code(204).send(null)
  })

  app.post('/users/:userId/invitation', {
    config: { auth },
    schema: {
      tags,
      summary: 'Renew a pending invitation (a new expiresAt) and, for a user who never signed in, resend the temporary password',
      params: UserParams,
      response: { 202: Type.Object({ status: Type.Literal('resent'), invitation: Type.Object({ expiresAt: Type.String() }) }), ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request, reply) => {
    const { scope, actor } = await caller(app, request)
    const invitation = await service.resendInvitation(scope, request.params.userId, actor)
    return reply.code(202).send({ status: 'resent' as const, invitation: { expiresAt: invitation.expiresAt } })
  })
}
export default users
