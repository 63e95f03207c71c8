// The tenant's audit trail for its admins, newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../plugins/errors.js'
import { auditRepository } from '../../src/repositories/audit.js'

const Entry = Type.Object({
  auditId: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  at: Type.String(),
  details: Type.Optional(Type.Object({}, { additionalProperties: true }))
})

const audit: FastifyPluginAsyncTypebox = async (app) => {
  const repo = auditRepository(app.dynamo)
  app.get('/audit', {
    config: { auth: { groups: ['admins'], tenant: 'required' } },
    schema: {
      tags: ['audit'],
      summary: 'Admin actions in the caller\'s tenant, newest first',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 }))
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Entry), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const scope = request.tenant?.scope
    if (!scope) throw new Error('audit route needs a resolved tenant')
    const page = await repo.list(scope, { limit: request.query.limit, cursor: request.query.cursor })
    return { items: page.items.map(({ tenantId: _t, ...e }) => e), nextCursor: page.nextCursor }
  })
}
export default audit
