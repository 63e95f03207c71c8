// The invitee's invitations: list the caller's pending ones, accept or decline one. Any signed-in caller, no tenant:
// the tenant in the path is only ever used together with the caller's own user id (src/services/invitations.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN, TENANT_GROUPS } from '../../src/domain/model.js'
import { problemResponses } from '../../src/http/problem.js'
import { statusSchema } from '../../src/http/schemas.js'
import { principalOf } from '../../src/http/request-context.js'

const Groups = Type.Array(statusSchema(TENANT_GROUPS))
const PendingInvitation = Type.Object({
  tenantId: Type.String(),
  name: Type.String(),
  groups: Groups,
  invitedAt: Type.String(),
  expiresAt: Type.String(),
  invitedBy: Type.String({ description: 'the inviting admin\'s user id (or the operator\'s)' })
}, { additionalProperties: false })
const Accepted = Type.Object({ tenantId: Type.String(), name: Type.String(), groups: Groups, status: Type.Literal('active') }, { additionalProperties: false })
const Params = Type.Object({ tenantId: Type.String({ pattern: ID_PATTERN }) })

const callerOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).userId

const invitations: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.invitations
  // Any authenticated caller; no tenant is resolved (a pending invitation opens no tenant until accepted).
  const auth = { tenant: 'none' as const }
  const tags = ['me']
  const security = [{ bearerAuth: [] }]

  app.get('/me/invitations', {
    config: { auth },
    schema: {
      tags,
      security,
      summary: 'Your pending invitations into tenants (not expired), newest first; and the tenant your address\'s verified domain offers, which accepting joins',
      response: {
        200: Type.Object({
          items: Type.Array(PendingInvitation),
          suggestions: Type.Array(Type.Object({ tenantId: Type.String(), name: Type.String(), domain: Type.String() }, { additionalProperties: false }))
        }),
        ...problemResponses(401, 403, 503)
      }
    }
  }, async (request) => {
    const userId = callerOf(request)
    const [items, suggestions] = await Promise.all([service.list(userId), service.suggestions(userId)])
    return { items, suggestions }
  })

  app.post('/me/invitations/:tenantId', {
    config: { auth },
    schema: {
      tags,
      security,
      summary: 'Accept your invitation into the tenant, or the tenant your verified domain suggests: the membership becomes active (410 once it has expired)',
      params: Params,
      response: { 200: Accepted, ...problemResponses(400, 401, 403, 404, 409, 410, 503) }
    }
  }, async (request) => await service.accept(callerOf(request), request.params.tenantId))

  app.delete('/me/invitations/:tenantId', {
    config: { auth },
    schema: {
      tags,
      security,
      summary: 'Decline your invitation into the tenant: the membership is removed (audited in that tenant); with your last membership, your account goes too',
      params: Params,
      response: { 204: Type.Null({ description: 'Declined' }), ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request, reply) => {
    await service.decline(callerOf(request), request.params.tenantId)
    return reply.code(204).send(null)
  })
}
export default invitations
