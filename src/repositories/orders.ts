// Orders of one tenant: PK=TENANT#<t>, SK=ORDER#<sortable id>, plus the idempotency records of order creation. Every call takes a TenantScope.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { OrderSchema, type Order, type OrderItem, type OrderStatus } from '../domain/order.js'
import type { Idempotency } from '../http/idempotency.js'
import { fromSchema, tenantItems } from './tenant-items.js'
import { auditRepository } from './audit.js'

export interface OrderChanges { status?: OrderStatus, note?: string, items?: OrderItem[], total?: number }
export interface OrderPage { items: Order[], nextCursor: string | null }

/** Picks the order's own attributes (OrderSchema's): keys and tenantId never reach a response. */
export const toOrder = fromSchema(OrderSchema)

export function ordersRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const orders = tenantItems(dynamo, { kind: 'ORDER', name: 'Order', fromItem: toOrder })
  const audit = auditRepository(dynamo)
  return {
    get: orders.get,

    /** Creates an order; with an Idempotency-Key, at most once (retries replay the first response, another body is a 422). */
    async create (scope: TenantScope, order: Order, idempotency?: Idempotency): Promise<{ order: Order, replayed: boolean }> {
      const { resource, replayed } = await orders.create(scope, order.orderId, order, idempotency)
      return { order: resource, replayed }
    },

    /** Newest first; with a status filter, pages still fill up (see queryTenantPage). Only a null nextCursor means "no more". */
    async list (scope: TenantScope, opts: { limit: number, cursor?: string, status?: OrderStatus }): Promise<OrderPage> {
      const { limit, cursor, status } = opts
      return await orders.list(scope, { limit, cursor, newestFirst: true, ...(status !== undefined ? { filter: { status } } : {}) })
    },

    /** Applies changes only if the stored version is still `expectedVersion` (optimistic concurrency); bumps the version. */
    update: async (scope: TenantScope, orderId: string, expectedVersion: number, changes: OrderChanges): Promise<Order> =>
      await orders.update(scope, orderId, expectedVersion, { ...changes }),

    /**
     * Deletes `order` (as read, held to its version) and records `order.deleted` by `actor` in the same transaction,
     * with what the order was, so the trail can say what went.
     */
    async delete (scope: TenantScope, order: Order, actor: { userId: string, email?: string }): Promise<void> {
      const details = { status: order.status, total: order.total, currency: order.currency, items: order.items.length }
      const entry = audit.put(scope, { actor: actor.userId, ...(actor.email !== undefined ? { actorEmail: actor.email } : {}), action: 'order.deleted', target: order.orderId, details })
      await orders.delete(scope, order.orderId, order.version, [entry])
    }
  }
}
