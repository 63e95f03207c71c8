// TransactWriteItems with the cancellation reasons surfaced per item, so callers can tell which condition failed.
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb'

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number]

/** One reason code per item as the caller passed them ('None' for the items that were fine or skipped). */
export class TransactionCancelled extends Error {
  override name = 'TransactionCancelled'
  constructor (readonly reasons: string[], options?: ErrorOptions, private readonly items: ReadonlyArray<Record<string, unknown> | undefined> = []) {
    super(`Transaction cancelled: ${reasons.join(', ')}`, options)
  }

  /** True when the condition of item `index` failed. */
  failedAt (index: number) { return this.reasons[index] === 'ConditionalCheckFailed' }
  /**
   * Item `index` as it stood when its condition failed, in DynamoDB's AttributeValue form: only for an item sent with
   * ReturnValuesOnConditionCheckFailure ALL_OLD, and only if it existed. Tells "changed" from "gone" without a read
   * (API reference: TransactWriteItems, CancellationReason).
   */
  itemAt (index: number) { return this.items[index] }
  /**
   * Cancelled by contention or capacity (another transaction on the same item, throttling), not by a condition: the
   * same request can simply be retried. src/http/problem.ts answers these 503 + Retry-After instead of 500.
   */
  get retryable () { return this.reasons.some(r => RETRYABLE_REASONS.has(r)) }
}

const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'])

/**
 * Writes the truthy items in one transaction. Optional items may be passed as null/undefined/false; the reasons of a
 * cancellation stay indexed as the caller passed the items (a skipped item reads 'None'), so `failedAt(i)` always
 * means the caller's item i, wherever optional items sit.
 */
export async function transact (doc: DynamoDBDocumentClient, items: Array<TransactItem | null | undefined | false>): Promise<void> {
  const sent: TransactItem[] = []
  const positions: number[] = []
  items.forEach((item, i) => {
    if (item) {
      sent.push(item)
      positions.push(i)
    }
  })
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: sent }))
  } catch (err) {
    if ((err as Error).name === 'TransactionCanceledException') {
      const sentReasons = (err as { CancellationReasons?: Array<{ Code?: string, Item?: Record<string, unknown> }> }).CancellationReasons ?? []
      const reasons = items.map(() => 'None')
      const found: Array<Record<string, unknown> | undefined> = items.map(() => undefined)
      positions.forEach((position, k) => {
        reasons[position] = sentReasons[k]?.Code ?? 'None'
        found[position] = sentReasons[k]?.Item
      })
      throw new TransactionCancelled(reasons, { cause: err }, found)
    }
    throw err
  }
}
