// Pagination cursors: opaque base64url of DynamoDB's LastEvaluatedKey, checked on decode against the partition it must stay in.
import { BadRequestError } from '../domain/errors.js'

export type PageKey = Record<string, string>

export function encodeCursor (key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null
}

/**
 * Decodes a cursor and accepts it only when `belongs` says its key lies where the query may go (the caller's tenant
 * partition and key prefix). DynamoDB Local does not reject an ExclusiveStartKey outside the queried partition, and a
 * forged key must never steer a query elsewhere: a foreign or malformed cursor is a 400.
 */
/** DynamoDB key values are at most 1024 bytes of valid UTF-8; anything else would reach DynamoDB and fail there. */
function isKeyValue (v: string): boolean {
  const bytes = Buffer.from(v, 'utf8')
  // A lone surrogate does not survive the round trip (it becomes U+FFFD): not valid UTF-8, not a key DynamoDB holds.
  return bytes.length <= 1024 && bytes.toString('utf8') === v
}

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
