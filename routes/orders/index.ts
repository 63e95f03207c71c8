// The orders API: every handler works inside request.tenant's scope; ids from the request only ever select within it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { OrderCreate, OrderId, OrderPatch, OrderSchema, OrderStatusSchema, canTransition, orderTotal, type Order } from '../../src/domain/order.js'
import { sortableId } from '../../src/domain/ids.js'
import { ConflictError, NotFoundError } from '../../src/domain/errors.js'
import type { OrderChanges } from '../../src/repositories/orders.js'
import { problemResponses } from '../../src/http/problem.js'
import { actorOf, tenantScopeOf } from '../../src/http/request-context.js'
import { Page, PageQuery } from '../../src/http/schemas.js'
import { IfMatchHeaders, currentIfMatch, etagOf, requireIfMatch } from '../../src/http/preconditions.js'
import { IdempotencyHeaders, idempotencyOf } from '../../src/http/idempotency.js'

// The order's shape and bodies are src/domain/order.ts's; the list query and the path are this API's.
const ListQuery = PageQuery(20, { status: Type.Optional(OrderStatusSchema) })
const Params = Type.Object({ orderId: OrderId })

const security = [{ bearerAuth: [] }]
const writers = { auth: { groups: ['members', 'admins'] as const } }

const orders: FastifyPluginAsyncTypebox = async (app) => {
  const repo = app.repos.orders

  app.post('/orders', {
    config: writers,
    schema: {
      tags: ['orders'],
      summary: 'Create an order',
      security,
      headers: IdempotencyHeaders,
      body: OrderCreate,
      response: { 201: OrderSchema, ...problemResponses(400, 401, 403, 422, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const { currency, items, note } = request.body
    const now = new Date().toISOString()
    const order: Order = { orderId: sortableId(), status: 'pending', currency, items, total: orderTotal(items), ...(note !== undefined ? { note } : {}), createdAt: now, updatedAt: now, version: 1 }
    const result = await repo.create(scope, order, idempotencyOf(request.headers['idempotency-key'], request.body))
    if (result.replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(201).header('etag', etagOf(result.order)).header('location', `/orders/${result.order.orderId}`).send(result.order)
  })

  app.get('/orders', {
    config: writers,
    schema: {
      tags: ['orders'],
      summary: 'List orders, newest first',
      security,
      querystring: ListQuery,
      response: { 200: Page(OrderSchema), ...problemResponses(400, 401, 403, 429, 503) }
    }
  }, async (request) => {
    const { limit, cursor, status } = request.query
    return await repo.list(tenantScopeOf(request), { limit, cursor, status })
  })

  app.get('/orders/:orderId', {
    config: writers,
    schema: {
      tags: ['orders'],
      summary: 'Get an order',
      security,
      params: Params,
      response: { 200: OrderSchema, ...problemResponses(400, 401, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const order = await repo.get(tenantScopeOf(request), request.params.orderId)
    if (!order) throw new NotFoundError('Order')
    return reply.header('etag', etagOf(order)).send(order)
  })

  app.patch('/orders/:orderId', {
    config: writers,
    schema: {
      tags: ['orders'],
      summary: 'Change an order (If-Match required)',
      security,
      params: Params,
      headers: IfMatchHeaders,
      body: OrderPatch,
      response: { 200: OrderSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const ifMatch = requireIfMatch(request.headers['if-match'])
    const current = await currentIfMatch(ifMatch, () => repo.get(scope, request.params.orderId, { consistent: true }), 'Order')
    const { status, note, items } = request.body
    if (status !== undefined && !canTransition(current.status, status)) throw new ConflictError(`An order cannot go from ${current.status} to ${status}`)
    if (items !== undefined && current.status !== 'pending') throw new ConflictError('Items can only change while the order is pending')
    const changes: OrderChanges = { status, note, ...(items !== undefined ? { items, total: orderTotal(items) } : {}) }
    // The write is conditional on the version we checked: a concurrent change in between makes it a 412, not a lost update.
    const updated = await repo.update(scope, current.orderId, current.version, changes)
    return reply.header('etag', etagOf(updated)).send(updated)
  })

  app.delete('/orders/:orderId', {
    config: { auth: { groups: ['admins'] } },
    schema: {
      tags: ['orders'],
      summary: 'Delete an order (admins; If-Match optional; audited order.deleted)',
      security,
      params: Params,
      headers: IfMatchHeaders,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 401, 403, 404, 412, 428, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const { orderId } = request.params
    const ifMatch = request.headers['if-match']
    const read = () => repo.get(scope, orderId, { consistent: true })
    // Read first, with or without If-Match: the audit entry says what was deleted, and the delete is held to that
    // version (a change in between is a 412, never a deleted order whose entry describes another state).
    const current = ifMatch === undefined ? await read() : await currentIfMatch(ifMatch, read, 'Order')
    if (!current) throw new NotFoundError('Order')
    await repo.delete(scope, current, await actorOf(request, app.memberView))
    return reply.code(204).send(null)
  })
}
export default orders
