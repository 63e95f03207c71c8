// Pagination cursors: opaque base64url of DynamoDB's LastEvaluatedKey, checked on decode against the partition it must stay in.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { BadRequestError } from '../domain/errors.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { TABLE } from '../dynamodb/table.js'
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

/** The base-table key of a stored item: where the next page starts when the page ends at that item. */
export function tableKeyOf (item: Record<string, unknown>): PageKey {
  return { [TABLE.partitionKey]: item[TABLE.partitionKey] as string, [TABLE.sortKey]: item[TABLE.sortKey] as string }
}

/** DynamoDB applies Limit before a filter: a filtered page reads this many items a round, and at most this many rounds. */
const FILTER_READ_AHEAD = 100
const MAX_ROUNDS = 5

export interface PageRequest {
  limit: number
  cursor?: string
  newestFirst?: boolean
  /** Equality filters on plain attributes (orders' ?status=); the page still holds `limit` matches when it can. */
  filter?: Record<string, string | number>
  /** Further checks of a decoded cursor's key (for example that its id is a valid id of the kind). */
  validKey?: (key: PageKey) => boolean
}

/**
 * One page of the caller's items under an SK prefix: the query every tenant list shares, with its cursor bound to the
 * tenant partition and the prefix. It reads one item more than the page holds, so `nextCursor` is null exactly when
 * nothing follows (no last page that leads to an empty one). With a filter it keeps querying, bounded, until the page
 * is full; when it stops early the page is short but `nextCursor` continues where it stopped: only null means "no more".
 * (A query cut by DynamoDB's 1 MB limit right at the end may still give a cursor to an empty page.)
 */
export async function queryTenantPage<T> (
  dynamo: { doc: DynamoDBDocumentClient, tableName: string },
  scope: TenantScope,
  skPrefix: string,
  page: PageRequest,
  toItem: (item: Record<string, unknown>) => T
): Promise<{ items: T[], nextCursor: string | null }> {
  const filters = Object.entries(page.filter ?? {})
  const names: Record<string, string> = { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey }
  const values: Record<string, unknown> = { ':pk': keys.tenantPk(scope.tenantId), ':prefix': skPrefix }
  filters.forEach(([attribute, value], i) => { names[`#f${i}`] = attribute; values[`:f${i}`] = value })
  const want = page.limit + 1
  const found: Array<Record<string, unknown>> = []
  let startKey: Record<string, unknown> | undefined = decodeTenantCursor(page.cursor, scope, skPrefix, page.validKey)
  for (let round = 0; round < MAX_ROUNDS && found.length < want; round++) {
    const res = await dynamo.doc.send(new QueryCommand({
      TableName: dynamo.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ...(filters.length > 0 ? { FilterExpression: filters.map((_, i) => `#f${i} = :f${i}`).join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: page.newestFirst !== true,
      // Unfiltered, ask for exactly what is missing; filtered, read ahead and cut.
      Limit: filters.length > 0 ? FILTER_READ_AHEAD : want - found.length,
      ExclusiveStartKey: startKey
    }))
    // Whatever is cut here lies beyond the extra item, so the cursor below never skips it.
    found.push(...(res.Items ?? []).slice(0, want - found.length))
    startKey = res.LastEvaluatedKey
    if (!startKey) break
  }
  return pageOf(found, page.limit, startKey, tableKeyOf, toItem)
}

/**
 * A page from a query that asked for one item more than `limit`: the extra item proves that more follow, so the page
 * ends at the item before it and the cursor points there (`keyOf` gives that item's key in the queried index);
 * otherwise the cursor is DynamoDB's own, null unless its 1 MB limit cut the query short.
 */
export function pageOf<T> (
  found: Array<Record<string, unknown>>,
  limit: number,
  lastEvaluatedKey: Record<string, unknown> | undefined,
  keyOf: (item: Record<string, unknown>) => Record<string, unknown>,
  toItem: (item: Record<string, unknown>) => T
): { items: T[], nextCursor: string | null } {
  if (found.length > limit) {
    const kept = found.slice(0, limit)
    return { items: kept.map(toItem), nextCursor: encodeCursor(keyOf(kept.at(-1) as Record<string, unknown>)) }
  }
  return { items: found.map(toItem), nextCursor: encodeCursor(lastEvaluatedKey) }
}
