// The tenant's audit trail for its admins, newest first: each entry named by address and described in words, filtered
// by who, what and when, and exported as CSV page by page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { BadRequestError } from '../../src/domain/errors.js'
import { describeAudit } from '../../src/domain/audit-words.js'
import { problemResponses } from '../../src/http/problem.js'
import { tenantScopeOf } from '../../src/http/request-context.js'
import { Page, PageQuery } from '../../src/http/schemas.js'
import { SCAN_BUDGET, type AuditEntry } from '../../src/repositories/audit.js'
import { csvCell } from '../../src/services/users-import.js'

const Entry = Type.Object({
  auditId: Type.String(),
  actor: Type.String(),
  actorEmail: Type.Optional(Type.String({ description: 'the actor\'s address when the entry was written' })),
  action: Type.String(),
  summary: Type.String({ description: 'what the actor did, in words, e.g. "added ann@example.com to group admins"' }),
  target: Type.String(),
  targetEmail: Type.Optional(Type.String({ description: 'the target person\'s address when the entry was written' })),
  at: Type.String(),
  details: Type.Optional(Type.Object({}, { additionalProperties: true }))
})

const Filters = {
  who: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'a user id or an address: entries where that person acted or was acted on' })),
  action: Type.Optional(Type.String({ pattern: '^[a-z_.]{1,64}$', description: 'an action code (user.removed) or a prefix of one (user.)' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'entries at or after this time' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'entries at or before this time' }))
}
const Query = PageQuery(undefined, Filters)
const ExportQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 500 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'opaque; from X-Next-Cursor' })),
  ...Filters
}, { additionalProperties: false })

const filtersNote = `A time range bounds the read; who and action filter what it holds, at most ${SCAN_BUDGET} entries per request, so a page may be short (even empty) with a cursor to continue: only a null cursor means the end.`

function queryOf (q: Static<typeof ExportQuery>) {
  const from = q.from === undefined ? undefined : Date.parse(q.from)
  const to = q.to === undefined ? undefined : Date.parse(q.to)
  if (from !== undefined && to !== undefined && from > to) throw new BadRequestError('from is after to')
  const who = q.who?.includes('@') === true ? q.who.trim().toLowerCase() : q.who
  return { limit: q.limit ?? 500, cursor: q.cursor, from, to, who, action: q.action }
}

const view = ({ tenantId: _t, ...e }: AuditEntry) => ({ ...e, summary: describeAudit(e) })
const COLUMNS = ['at', 'actor_email', 'actor', 'action', 'summary', 'target_email', 'target', 'details'] as const
const row = (e: ReturnType<typeof view>) => [e.at, e.actorEmail ?? '', e.actor, e.action, e.summary, e.targetEmail ?? '', e.target, e.details === undefined ? '' : JSON.stringify(e.details)].map(csvCell).join(',')

const audit: FastifyPluginAsyncTypebox = async (app) => {
  const repo = app.repos.audit
  const config = { auth: { groups: ['admins'] as const, tenant: 'required' as const } }
  const search = async (request: FastifyRequest, q: Static<typeof ExportQuery>) => await repo.search(tenantScopeOf(request), queryOf(q))

  app.get('/audit', {
    config,
    schema: {
      tags: ['audit'],
      summary: 'Admin actions in the caller\'s tenant, newest first, in words; filters who, action, from, to',
      description: filtersNote,
      security: [{ bearerAuth: [] }],
      querystring: Query,
      response: { 200: Page(Entry), ...problemResponses(400, 401, 403, 429, 503) }
    }
  }, async (request) => {
    const page = await search(request, request.query)
    return { items: page.items.map(view), nextCursor: page.nextCursor }
  })

  app.get('/audit/export', {
    config,
    schema: {
      tags: ['audit'],
      summary: 'The audit trail as CSV (same filters), up to 500 entries a page; the next page\'s cursor is in the X-Next-Cursor header (absent at the end)',
      description: `${filtersNote} Cells that a spreadsheet would read as a formula are quoted as text.`,
      security: [{ bearerAuth: [] }],
      querystring: ExportQuery,
      response: { 200: { description: 'CSV with a header row', content: { 'text/csv': { schema: Type.String() } } }, ...problemResponses(400, 401, 403, 429, 503) }
    }
  }, async (request, reply) => {
    const page = await search(request, request.query)
    if (page.nextCursor !== null) reply.header('x-next-cursor', page.nextCursor)
    const csv = [COLUMNS.join(','), ...page.items.map(e => row(view(e)))].join('\r\n') + '\r\n'
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit.csv"').send(csv)
  })
}
export default audit
