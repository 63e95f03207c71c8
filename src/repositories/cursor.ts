// Pagination cursors: opaque base64url of DynamoDB's LastEvaluatedKey, checked on decode against the partition it must stay in.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { BadRequestError } from '../domain/errors.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { TABLE } from '../table.js'
import { keys } from './keys.js'

export type PageKey = Record<string, string>

export function encodeCursor (key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null
}

/** DynamoDB key values are at most 1024 bytes of valid UTF-8; anything else would reach DynamoDB and fail there. */
function isKeyValue (v: string): boolean {
  const bytes = Buffer.from(v, 'utf8')
  // A lone surrogate does not survive the round trip (it becomes U+FFFD): not valid UTF-8, not a key DynamoDB holds.
  return bytes.length <= 1024 && bytes.toString('utf8') === v
}

/**
 * Decodes a cursor and accepts it only when `belongs` says its key lies where the query may go (the caller's tenant
 * partition and key prefix). DynamoDB Local does not reject an ExclusiveStartKey outside the queried partition, and a
 * forged key must never steer a query elsewhere: a foreign or malformed cursor is a 400.
 */
export function decodeCursor (cursor: string | undefined, allowedAttributes: readonly string[], belongs: (key: PageKey) => boolean): PageKey | undefined {
  if (cursor === undefined) return undefined
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch { throw new BadRequestError('Invalid cursor') }
  const ok = key !== null && typeof key === 'object' && !Array.isArray(key) &&
    Object.keys(key).length === allowedAttributes.length &&
    allowedAttributes.every(a => typeof (key as Record<string, unknown>)[a] === 'string' && isKeyValue((key as PageKey)[a] as string)) &&
    belongs(key as PageKey)
  if (!ok) throw new BadRequestError('Invalid cursor')
  return key as PageKey
}

/** The base-table key attributes of a tenant-partition cursor. */
const TABLE_KEY = [TABLE.partitionKey, TABLE.sortKey] as const

/** A cursor of the caller's own partition, at a key under `skPrefix` (`valid` may check the rest of the key). */
export function decodeTenantCursor (cursor: string | undefined, scope: TenantScope, skPrefix: string, valid: (key: PageKey) => boolean = () => true): PageKey | undefined {
  const pk = keys.tenantPk(scope.tenantId)
  return decodeCursor(cursor, TABLE_KEY, k => k[TABLE.partitionKey] === pk && k[TABLE.sortKey]?.startsWith(skPrefix) === true && valid(k))
}

/**
 * One page of the caller's items under an SK prefix (members, audit entries): the query every tenant list shares,
 * with its cursor bound to the tenant partition and the prefix.
 */
export async function queryTenantPage<T> (
  dynamo: { doc: DynamoDBDocumentClient, tableName: string },
  scope: TenantScope,
  skPrefix: string,
  page: { limit: number, cursor?: string, newestFirst?: boolean },
  toItem: (item: Record<string, unknown>) => T
): Promise<{ items: T[], nextCursor: string | null }> {
  const res = await dynamo.doc.send(new QueryCommand({
    TableName: dynamo.tableName,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
    ExpressionAttributeValues: { ':pk': keys.tenantPk(scope.tenantId), ':prefix': skPrefix },
    ScanIndexForward: page.newestFirst !== true,
    Limit: page.limit,
    ExclusiveStartKey: decodeTenantCursor(page.cursor, scope, skPrefix)
  }))
  return { items: (res.Items ?? []).map(toItem), nextCursor: encodeCursor(res.LastEvaluatedKey) }
}
