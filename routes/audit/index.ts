// The tenant's audit trail for its admins, newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../src/http/problem.js'
import { tenantScopeOf } from '../../src/http/request-context.js'
import { Page, PageQuery } from '../../src/http/schemas.js'

const Entry = Type.Object({
  auditId: Type.String(),
  actor: Type.String(),
  actorEmail: Type.Optional(Type.String({ description: 'the actor\'s address when the entry was written' })),
  action: Type.String(),
  target: Type.String(),
  targetEmail: Type.Optional(Type.String({ description: 'the target person\'s address when the entry was written' })),
  at: Type.String(),
  details: Type.Optional(Type.Object({}, { additionalProperties: true }))
})

const audit: FastifyPluginAsyncTypebox = async (app) => {
  const repo = app.repos.audit
  app.get('/audit', {
    config: { auth: { groups: ['admins'], tenant: 'required' } },
    schema: {
      tags: ['audit'],
      summary: 'Admin actions in the caller\'s tenant, newest first',
      querystring: PageQuery(),
      response: { 200: Page(Entry), ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const page = await repo.list(tenantScopeOf(request), { limit: request.query.limit, cursor: request.query.cursor })
    return { items: page.items.map(({ tenantId: _t, ...e }) => e), nextCursor: page.nextCursor }
  })
}
export default audit
