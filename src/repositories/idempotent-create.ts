// Creates a tenant item at most once per Idempotency-Key: the item and the key's record in one transaction.
import { setTimeout as sleep } from 'node:timers/promises'
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../dynamodb/table.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import type { Idempotency } from '../http/idempotency.js'
import { ServiceUnavailableError, UnprocessableError } from '../domain/errors.js'
import { keys } from './keys.js'

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
const ATTEMPTS = 6

const errorName = (err: unknown) => (err as { name?: string } | null)?.name

export interface IdempotentCreate<T> {
  /** The operation the key belongs to (CREATE_ORDER): the same key on another operation is another record. */
  operation: string
  /** The item to put, keys included; written only if absent. */
  item: Record<string, unknown>
  /** What the create answers, stored with the key's record and replayed to every retry (even after the item changed). */
  response: T
  idempotency?: Idempotency
  /** Rebuilds a replayed response from its stored form (default: as stored). */
  revive?: (stored: Record<string, unknown>) => T
}

/**
 * Puts `item` if absent. With an idempotency key, the item and the key's record are written in one transaction, each
 * only if absent: concurrent retries create one item, and every retry replays the first response. A key seen with a
 * different request hash is a client error (422). After a few lost races (or an unreadable record), 503: retry.
 */
export async function createIdempotently<T> (
  dynamo: { doc: DynamoDBDocumentClient, tableName: string },
  scope: TenantScope,
  create: IdempotentCreate<T>
): Promise<{ response: T, replayed: boolean }> {
  const { doc, tableName } = dynamo
  const { operation, item, response, idempotency } = create
  const revive = create.revive ?? ((stored: Record<string, unknown>) => stored as T)
  const condition = 'attribute_not_exists(#pk)'
  const names = { '#pk': TABLE.partitionKey }
  if (!idempotency) {
    await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: condition, ExpressionAttributeNames: names }))
    return { response, replayed: false }
  }
  const recordKey = keys.idempotency(scope.tenantId, operation, idempotency.key)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const nowSeconds = Math.floor(Date.now() / 1000)
    const existing = await doc.send(new GetCommand({ TableName: tableName, Key: recordKey, ConsistentRead: true }))
    const record = existing.Item
    // TTL deletes lazily (up to days late): an expired record is treated as absent and may be overwritten.
    if (record && (record[TABLE.ttlAttribute] as number) > nowSeconds) {
      if (record.requestHash !== idempotency.requestHash) throw new UnprocessableError('This Idempotency-Key was already used with a different request')
      return { response: revive(record.response as Record<string, unknown>), replayed: true }
    }
    try {
      await doc.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: item, ConditionExpression: condition, ExpressionAttributeNames: names } },
          {
            Put: {
              TableName: tableName,
              Item: { ...recordKey, type: 'idempotency', requestHash: idempotency.requestHash, response, createdAt: new Date(nowSeconds * 1000).toISOString(), [TABLE.ttlAttribute]: nowSeconds + IDEMPOTENCY_TTL_SECONDS },
              ConditionExpression: 'attribute_not_exists(#pk) OR #exp < :now',
              ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#exp': TABLE.ttlAttribute },
              ExpressionAttributeValues: { ':now': nowSeconds }
            }
          }
        ]
      }))
      return { response, replayed: false }
    } catch (err) {
      // Another request with the same key won, or is committing right now: read its record on the next turn.
      if (errorName(err) !== 'TransactionCanceledException' && errorName(err) !== 'TransactionConflictException') throw err
      await sleep(10 * 2 ** attempt)
    }
  }
  throw new ServiceUnavailableError('Could not complete the request; retry with the same Idempotency-Key')
}
