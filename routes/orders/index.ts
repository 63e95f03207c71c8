// The orders API: every handler works inside request.tenant's scope; ids from the request only ever select within it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ID_PATTERN } from '../../src/domain/model.js'
import { ORDER_STATUSES, canTransition, orderTotal, type Order } from '../../src/domain/order.js'
import { sortableId } from '../../src/domain/ids.js'
import { ConflictError, NotFoundError } from '../../src/domain/errors.js'
import { ordersRepository, type OrderChanges } from '../../src/repositories/orders.js'
import { problemResponses } from '../../src/http/problem.js'
import { tenantScopeOf } from '../../src/http/request-context.js'
import { Page, PageQuery, statusSchema } from '../../src/http/schemas.js'
import { IfMatchHeaders, currentIfMatch, etagOf, requireIfMatch } from '../../src/http/preconditions.js'
import { IdempotencyHeaders, idempotencyOf } from '../../src/http/idempotency.js'

const OrderId = Type.String({ pattern: ID_PATTERN, description: 'time-sortable id' })
const Status = statusSchema(ORDER_STATUSES)
const Item = Type.Object({
  sku: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  unitPrice: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'minor units (cents)' })
}, { additionalProperties: false })
const Items = Type.Array(Item, { minItems: 1, maxItems: 100 })
const Note = Type.String({ maxLength: 1000 })
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' })

/** Exported for the bench baseline, which serializes the same way. */
export const OrderSchema = Type.Object({
  orderId: OrderId,
  status: Status,
  currency: Currency,
  items: Type.Array(Item),
  total: Type.Integer({ description: 'minor units' }),
  note: Type.Optional(Note),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer()
})

// Unknown properties (tenantId, PK, version, ...) are a 400, never stripped: the app's ajv has removeAdditional off.
const CreateBody = Type.Object({ currency: Currency, items: Items, note: Type.Optional(Note) }, { additionalProperties: false })
const PatchBody = Type.Object({ status: Type.Optional(Status), note: Type.Optional(Note), items: Type.Optional(Items) }, { additionalProperties: false, minProperties: 1 })
const ListQuery = PageQuery(20, { status: Type.Optional(Status) })
const Params = Type.Object({ orderId: OrderId })

const security = [{ bearerAuth: [] }]
const writers = { auth: { groups: ['members', 'admins'] as const } }

const orders: FastifyPluginAsyncTypebox = async (app) => {
  const repo = ordersRepository(app.dynamo)

  app.post('/orders', {
    config: writers,
    schema: {
      tags: ['orders'],
      summary: 'Create an order',
      security,
      headers: IdempotencyHeaders,
      body: CreateBody,
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
      body: PatchBody,
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
      summary: 'Delete an order (admins; If-Match optional)',
      security,
      params: Params,
      headers: IfMatchHeaders,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 401, 403, 404, 412, 428, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const ifMatch = request.headers['if-match']
    // If-Match is optional here: with it, the delete is held to the version it names.
    const expected = ifMatch === undefined ? undefined : (await currentIfMatch(ifMatch, () => repo.get(scope, request.params.orderId, { consistent: true }), 'Order')).version
    await repo.delete(scope, request.params.orderId, expected)
    return reply.code(204).send(null)
  })
}
export default orders
