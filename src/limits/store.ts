// The shared counters behind every limit that must hold across instances: one conditional UpdateItem on a
// per-window item of the single table (docs/decisions/0020-leased-limits.md).
import { ConditionalCheckFailedException, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { keys } from '../repositories/keys.js'
import { TABLE } from '../dynamodb/table.js'

/** A counter call that has not answered by then fails (and its limit falls back as it documents), never hangs a request. */
export const LIMIT_STORE_TIMEOUT_MS = 500
/** Window items outlive their window by this much before TTL may delete them (only for cleanup: keys carry the window). */
const KEEP_SECONDS = 3600

/** Where a refused share went: the whole window is spent, or only this tenant's part of it. */
export type ShareRefusal = 'full' | 'tenant'

export interface ShareRule {
  /** Calls allowed in the window, all tenants together. */
  max: number
  /** Calls one tenant may take in the window. */
  share: number
  /** Beyond this many in the window, only a tenant with no call in it yet may take one (the reserve is max - open). */
  open: number
}

export interface LimitStore {
  /**
   * Takes up to `want` of the window's `max` for `subject`: resolves to the amount granted, 0 when the window is spent.
   * Never grants more than what is left, so the sum of all grants in a window never passes max.
   */
  lease: (limit: string, subject: string, windowStartMs: number, windowMs: number, want: number, max: number) => Promise<number>
  /** Takes one call of the window for a tenant under `rule`; resolves to undefined when taken, else why not. */
  takeShare: (limit: string, windowStartMs: number, windowMs: number, tenantId: string, rule: ShareRule) => Promise<ShareRefusal | undefined>
  /** UpdateItem calls sent so far, conditional failures included (each costs a write): for the benchmark and tests. */
  readonly writes: number
}

const n = (v: number): AttributeValue => ({ N: String(v) })
const numberOf = (item: Record<string, AttributeValue> | undefined, name: string) => Number(item?.[name]?.N ?? 0)

export function createLimitStore (dynamo: { client: DynamoDBClient, tableName: string }, opts: { timeoutMs?: number } = {}): LimitStore {
  const timeoutMs = opts.timeoutMs ?? LIMIT_STORE_TIMEOUT_MS
  let writes = 0

  /** One conditional UpdateItem; the item as it was when the condition failed, or undefined when it was applied. */
  async function update (key: { PK: string, SK: string }, input: { expression: string, condition: string, names: Record<string, string>, values: Record<string, AttributeValue> }, windowEndMs: number) {
    writes++
    try {
      await dynamo.client.send(new UpdateItemCommand({
        TableName: dynamo.tableName,
        Key: { [TABLE.partitionKey]: { S: key.PK }, [TABLE.sortKey]: { S: key.SK } },
        UpdateExpression: `${input.expression} SET #expiresAt = :expiresAt`,
        ConditionExpression: input.condition,
        ExpressionAttributeNames: { ...input.names, '#expiresAt': TABLE.ttlAttribute },
        ExpressionAttributeValues: { ...input.values, ':expiresAt': n(Math.ceil(windowEndMs / 1000) + KEEP_SECONDS) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD'
      }), { abortSignal: AbortSignal.timeout(timeoutMs) })
      return undefined
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return err.Item ?? {}
      throw err
    }
  }

  return {
    async lease (limit, subject, windowStartMs, windowMs, want, max) {
      const key = keys.limitWindow(limit, subject, windowStartMs)
      let take = Math.min(want, max)
      // At most three tries: the full slice, then what the last refusal said was left (others may take it meanwhile).
      for (let attempt = 0; attempt < 3 && take > 0; attempt++) {
        const old = await update(key, {
          expression: 'ADD #used :take',
          condition: 'attribute_not_exists(#used) OR #used <= :room',
          names: { '#used': 'used' },
          values: { ':take': n(take), ':room': n(max - take) }
        }, windowStartMs + windowMs)
        if (old === undefined) return take
        take = Math.min(want, max - numberOf(old, 'used'))
      }
      return 0
    },

    async takeShare (limit, windowStartMs, windowMs, tenantId, rule) {
      const old = await update(keys.limitWindow(limit, 'all', windowStartMs), {
        expression: 'ADD #total :one, #mine :one',
        // The tenant's share, and the window's total; past `open`, only a tenant new to the window (the reserve).
        condition: '(attribute_not_exists(#mine) OR #mine < :share) AND (attribute_not_exists(#total) OR #total < :open OR (#total < :max AND attribute_not_exists(#mine)))',
        names: { '#total': 'used', '#mine': keys.limitShareAttribute(tenantId) },
        values: { ':one': n(1), ':share': n(rule.share), ':open': n(rule.open), ':max': n(rule.max) }
      }, windowStartMs + windowMs)
      if (old === undefined) return undefined
      return numberOf(old, 'used') >= rule.max ? 'full' : 'tenant'
    },

    get writes () { return writes }
  }
}

/**
 * The same counters in this process's memory (LIMITS_STORE=memory): for one process only (tests, benchmarks of the
 * difference), where "across instances" means nothing. Windows older than the current ones are dropped as they pass.
 */
export function createMemoryLimitStore (): LimitStore {
  const items = new Map<string, { windowEndMs: number, used: number, shares: Map<string, number> }>()
  let writes = 0
  function item (limit: string, subject: string, windowStartMs: number, windowMs: number) {
    const { PK, SK } = keys.limitWindow(limit, subject, windowStartMs)
    const id = `${PK}\u0000${SK}`
    let found = items.get(id)
    if (found === undefined) {
      for (const [k, v] of items) if (v.windowEndMs < windowStartMs) items.delete(k)
      found = { windowEndMs: windowStartMs + windowMs, used: 0, shares: new Map() }
      items.set(id, found)
    }
    return found
  }
  return {
    async lease (limit, subject, windowStartMs, windowMs, want, max) {
      writes++
      const found = item(limit, subject, windowStartMs, windowMs)
      const take = Math.max(0, Math.min(want, max - found.used))
      found.used += take
      return take
    },
    async takeShare (limit, windowStartMs, windowMs, tenantId, rule) {
      writes++
      const found = item(limit, 'all', windowStartMs, windowMs)
      const mine = found.shares.get(tenantId) ?? 0
      if (found.used >= rule.max) return 'full'
      if (mine >= rule.share || (found.used >= rule.open && mine > 0)) return 'tenant'
      found.used++
      found.shares.set(tenantId, mine + 1)
      return undefined
    },
    get writes () { return writes }
  }
}
