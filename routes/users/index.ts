// Tenant user management for the tenant's admins: invite, list, groups, disable/enable, remove, resend. The tenant is always request.tenant.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN } from '../../src/domain/model.js'
import { problemResponses } from '../../src/http/problem.js'
import { tenantScopeOf } from '../../src/tenancy/resolver.js'
import { ForbiddenError } from '../../src/domain/errors.js'
import { Email, DEFAULT_PAGE_LIMIT, Page, PageQuery } from '../../src/http/schemas.js'
import type { FastifyRequest } from 'fastify'
import { createTenantUsers, type TenantUsersFaults } from '../../src/services/tenant-users.js'

const TenantGroup = Type.Union([Type.Literal('admins'), Type.Literal('members')])
const UserId = Type.String({ pattern: ID_PATTERN })
const User = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  groups: Type.Array(TenantGroup),
  status: Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('disabled')])
})
const UserParams = Type.Object({ userId: UserId })
const NoContent = Type.Null()

/** The scope and actor, both from upstream plugins: never from the request itself. */
function caller (request: FastifyRequest) {
  const scope = tenantScopeOf(request)
  const principal = request.principal
  if (!principal) throw new ForbiddenError('No principal')
  return { scope, actor: principal.userId }
}

const toUser = (m: { userId: string, email: string, groups: Array<'admins' | 'members'>, status: string }) =>
  ({ userId: m.userId, email: m.email, groups: m.groups, status: m.status as 'invited' | 'active' | 'disabled' })

const users: FastifyPluginAsyncTypebox<{ faults?: TenantUsersFaults }> = async (app, opts) => {
  const service = createTenantUsers({
    dynamo: app.dynamo,
    cognito: app.cognito,
    // plugins/tenant caches resolved memberships: a revocation evicts on this instance at once (others within the TTL).
    evictMembership: userId => app.tenantCache.evict(userId),
    faults: opts.faults
  })
  const auth = { groups: ['admins'] as const, tenant: 'required' as const }
  const tags = ['users']

  app.post('/users', {
    config: { auth },
    schema: {
      tags,
      summary: 'Invite a user into the caller\'s tenant',
      body: Type.Object({
        email: Email,
        groups: Type.Optional(Type.Array(TenantGroup, { minItems: 1, maxItems: 2, uniqueItems: true }))
      }, { additionalProperties: false }),
      response: { 201: User, ...problemResponses(400, 401, 403, 409, 503) }
    }
  }, async (request, reply) => {
    const { scope, actor } = caller(request)
    const m = await service.invite(scope, { email: request.body.email, groups: request.body.groups, actor })
    return reply.code(201).send(toUser(m))
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
    const { scope } = caller(request)
    const page = await service.list(scope, { limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor })
    return { items: page.items.map(toUser), nextCursor: page.nextCursor }
  })

  app.get('/users/:userId', {
    config: { auth },
    schema: { tags, summary: 'One user of the caller\'s tenant', params: UserParams, response: { 200: User, ...problemResponses(400, 401, 403, 404, 503) } }
  }, async (request) => {
    const { scope } = caller(request)
    return toUser(await service.get(scope, request.params.userId))
  })

  const GroupParams = Type.Object({ userId: UserId, group: TenantGroup })
  app.put('/users/:userId/groups/:group', {
    config: { auth },
    schema: { tags, summary: 'Add the user to a group (admins or members)', params: GroupParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = caller(request)
    await service.addGroup(scope, request.params.userId, request.params.group, actor)
    return reply.code(204).send(null)
  })

  app.delete('/users/:userId/groups/:group', {
    config: { auth },
    schema: { tags, summary: 'Remove the user from a group; the last admin stays', params: GroupParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = caller(request)
    await service.removeGroup(scope, request.params.userId, request.params.group, actor)
    return reply.code(204).send(null)
  })

  app.patch('/users/:userId', {
    config: { auth },
    schema: {
      tags,
      summary: 'Disable (signs the user out everywhere) or re-enable a user',
      params: UserParams,
      body: Type.Object({ status: Type.Union([Type.Literal('disabled'), Type.Literal('active')]) }, { additionalProperties: false }),
      response: { 200: User, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => {
    const { scope, actor } = caller(request)
    await service.setStatus(scope, request.params.userId, request.body.status, actor)
    return toUser(await service.get(scope, request.params.userId))
  })

  app.delete('/users/:userId', {
    config: { auth },
    schema: { tags, summary: 'Remove the user: signed out, deleted from Cognito, membership gone, audit kept', params: UserParams, response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    const { scope, actor } = caller(request)
    await service.remove(scope, request.params.userId, actor)
    return reply.code(204).send(null)
  })

  app.post('/users/:userId/invitation', {
    config: { auth },
    schema: {
      tags,
      summary: 'Resend the invitation while the user has not signed in yet',
      params: UserParams,
      response: { 202: Type.Object({ status: Type.Literal('resent') }), ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request, reply) => {
    const { scope, actor } = caller(request)
    await service.resendInvitation(scope, request.params.userId, actor)
    return reply.code(202).send({ status: 'resent' as const })
  })
}
export default users
