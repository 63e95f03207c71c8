// Orders of one tenant: PK=TENANT#<t>, SK=ORDER#<sortable id>, plus the idempotency records of order creation. Every call takes a TenantScope.
import { setTimeout as sleep } from 'node:timers/promises'
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../table.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import type { Order, OrderItem, OrderStatus } from '../domain/order.js'
import { NotFoundError, PreconditionFailedError, ServiceUnavailableError, UnprocessableError } from '../domain/errors.js'
import { keys } from './keys.js'
import { decodeTenantCursor, encodeCursor } from './cursor.js'

/** The operation an idempotency key belongs to: the same key on another operation is another record. */
const CREATE_ORDER = 'CREATE_ORDER'
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60

export interface OrderChanges { status?: OrderStatus, note?: string, items?: OrderItem[], total?: number }
export interface OrderPage { items: Order[], nextCursor: string | null }

export function toOrder (item: Record<string, unknown>): Order {
  return {
    orderId: item.orderId as string,
    status: item.status as OrderStatus,
    currency: item.currency as string,
    items: item.items as OrderItem[],
    total: item.total as number,
    ...(typeof item.note === 'string' ? { note: item.note } : {}),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number
  }
}

function orderItem (scope: TenantScope, order: Order) {
  return { ...keys.order(scope.tenantId, order.orderId), type: 'order', tenantId: scope.tenantId, ...order }
}

/** An order cursor: the caller's partition, an ORDER# key whose id is a valid order id. */
const isOrderKey = (scope: TenantScope) => (key: Record<string, string>) => {
  try { keys.orderIdOf(scope.tenantId, key); return true } catch { return false }
}

const errorName = (err: unknown) => (err as { name?: string } | null)?.name

export function ordersRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo

  async function get (scope: TenantScope, orderId: string, opts: { consistent?: boolean } = {}): Promise<Order | null> {
    const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.order(scope.tenantId, orderId), ConsistentRead: opts.consistent }))
    return res.Item ? toOrder(res.Item) : null
  }

  /** After a failed condition: 404 if the order is gone, else 412 (someone else changed it first). */
  async function conditionFailure (scope: TenantScope, orderId: string): Promise<never> {
    const current = await get(scope, orderId, { consistent: true })
    throw current ? new PreconditionFailedError() : new NotFoundError('Order')
  }

  return {
    get,

    /**
     * Creates an order. With an idempotency key, the order and the key's record are written in one transaction, each
     * only if absent: concurrent retries create one order, and every retry replays the first response (the stored order
     * snapshot). A key seen with a different request hash is a client error (422).
     */
    async create (scope: TenantScope, order: Order, idempotency?: { key: string, requestHash: string }): Promise<{ order: Order, replayed: boolean }> {
      const item = orderItem(scope, order)
      const condition = 'attribute_not_exists(#pk)'
      const names = { '#pk': TABLE.partitionKey }
      if (!idempotency) {
        await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: condition, ExpressionAttributeNames: names }))
        return { order, replayed: false }
      }
      const recordKey = keys.idempotency(scope.tenantId, CREATE_ORDER, idempotency.key)
      for (let attempt = 0; attempt < 6; attempt++) {
        const nowSeconds = Math.floor(Date.now() / 1000)
        const existing = await doc.send(new GetCommand({ TableName: tableName, Key: recordKey, ConsistentRead: true }))
        const record = existing.Item
        // TTL deletes lazily (up to days late): an expired record is treated as absent and may be overwritten.
        if (record && (record[TABLE.ttlAttribute] as number) > nowSeconds) {
          if (record.requestHash !== idempotency.requestHash) throw new UnprocessableError('This Idempotency-Key was already used with a different request')
          return { order: toOrder(record.response as Record<string, unknown>), replayed: true }
        }
        try {
          await doc.send(new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: item, ConditionExpression: condition, ExpressionAttributeNames: names } },
              {
                Put: {
                  TableName: tableName,
                  Item: { ...recordKey, type: 'idempotency', requestHash: idempotency.requestHash, response: order, createdAt: order.createdAt, [TABLE.ttlAttribute]: nowSeconds + IDEMPOTENCY_TTL_SECONDS },
                  ConditionExpression: 'attribute_not_exists(#pk) OR #exp < :now',
                  ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#exp': TABLE.ttlAttribute },
                  ExpressionAttributeValues: { ':now': nowSeconds }
                }
              }
            ]
          }))
          return { order, replayed: false }
        } catch (err) {
          // Another request with the same key won, or is committing right now: read its record on the next turn.
          if (errorName(err) !== 'TransactionCanceledException' && errorName(err) !== 'TransactionConflictException') throw err
          await sleep(10 * 2 ** attempt)
        }
      }
      throw new ServiceUnavailableError('Could not complete the request; retry with the same Idempotency-Key')
    },

    /**
     * Newest first. With a status filter DynamoDB applies Limit before the filter, so this keeps querying (bounded)
     * until the page is full; when it stops early the page is short but nextCursor still continues where it stopped.
     * Only a null nextCursor means "no more".
     */
    async list (scope: TenantScope, opts: { limit: number, cursor?: string, status?: OrderStatus }): Promise<OrderPage> {
      const items: Order[] = []
      let startKey: Record<string, unknown> | undefined = decodeTenantCursor(opts.cursor, scope, keys.orderSkPrefix, isOrderKey(scope))
      for (let round = 0; round < 5 && items.length < opts.limit; round++) {
        const need = opts.limit - items.length
        const res = await doc.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ...(opts.status ? { FilterExpression: '#status = :status' } : {}),
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey, ...(opts.status ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: { ':pk': keys.tenantPk(scope.tenantId), ':prefix': keys.orderSkPrefix, ...(opts.status ? { ':status': opts.status } : {}) },
          ScanIndexForward: false,
          // Unfiltered, ask for exactly what is missing; filtered, read ahead and cut (the cursor then points at the last item kept).
          Limit: opts.status ? 100 : need,
          ExclusiveStartKey: startKey
        }))
        const found = res.Items ?? []
        const taken = found.slice(0, need)
        items.push(...taken.map(toOrder))
        const last = taken.at(-1)
        if (taken.length < found.length && last) {
          startKey = { [TABLE.partitionKey]: last[TABLE.partitionKey], [TABLE.sortKey]: last[TABLE.sortKey] }
          break
        }
        startKey = res.LastEvaluatedKey
        if (!startKey) break
      }
      return { items, nextCursor: encodeCursor(startKey) }
    },

    /** Applies changes only if the stored version is still `expectedVersion` (optimistic concurrency); bumps the version. */
    async update (scope: TenantScope, orderId: string, expectedVersion: number, changes: OrderChanges): Promise<Order> {
      const sets = ['#version = #version + :one', 'updatedAt = :now']
      const names: Record<string, string> = { '#pk': TABLE.partitionKey, '#version': 'version' }
      const values: Record<string, unknown> = { ':one': 1, ':now': new Date().toISOString(), ':expected': expectedVersion }
      for (const [field, value] of Object.entries(changes)) {
        if (value === undefined) continue
        sets.push(`#${field} = :${field}`)
        names[`#${field}`] = field
        values[`:${field}`] = value
      }
      try {
        const res = await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: keys.order(scope.tenantId, orderId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW'
        }))
        return toOrder(res.Attributes ?? {})
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') return await conditionFailure(scope, orderId)
        throw err
      }
    },

    /** Deletes the order; with expectedVersion, only if it is still that version. */
    async delete (scope: TenantScope, orderId: string, expectedVersion?: number): Promise<void> {
      try {
        await doc.send(new DeleteCommand({
          TableName: tableName,
          Key: keys.order(scope.tenantId, orderId),
          ConditionExpression: expectedVersion === undefined ? 'attribute_exists(#pk)' : 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(expectedVersion === undefined ? {} : { '#version': 'version' }) },
          ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } })
        }))
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') return await conditionFailure(scope, orderId)
        throw err
      }
    }
  }
}
