// transact(): cancellation reasons stay indexed as the caller passed the items, optional (skipped) ones included.
import t from 'tap'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { transact, TransactionCancelled, type TransactItem } from '../../src/repositories/transact.js'

/**
 * A client whose every send is cancelled with these reasons, one per item it was sent (a code, or a code with the item
 * ALL_OLD returned); it records what it was sent.
 */
function cancellingClient (codes: Array<string | { Code: string, Item: Record<string, unknown> }>) {
  const sent: unknown[][] = []
  const doc = {
    async send (command: { input: { TransactItems: unknown[] } }) {
      sent.push(command.input.TransactItems)
      throw Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map(c => typeof c === 'string' ? { Code: c } : c) })
    }
  } as unknown as DynamoDBDocumentClient
  return { doc, sent }
}

const put = (pk: string): TransactItem => ({ Put: { TableName: 't', Item: { PK: pk, SK: pk } } })

/** The cancellation transact() throws (fails the caller if it resolves or throws something else). */
async function cancellation (run: Promise<void>): Promise<TransactionCancelled> {
  const err = await run.then(() => { throw new Error('expected a cancellation') }, (e: unknown) => e)
  if (!(err instanceof TransactionCancelled)) throw err
  return err
}

t.test('a skipped optional item does not shift the index of a failed condition', async t => {
  const { doc, sent } = cancellingClient(['None', 'ConditionalCheckFailed'])
  const err = await cancellation(transact(doc, [put('a'), null, put('c'), false]))
  t.same(sent, [[put('a'), put('c')]], 'only the real items are sent')
  t.same(err.reasons, ['None', 'None', 'ConditionalCheckFailed', 'None'], 'one reason per item as passed')
  t.equal(err.failedAt(2), true, 'the caller\'s item 2 failed')
  t.equal(err.failedAt(1), false, 'the skipped item did not')
  t.equal(err.retryable, false)
})

t.test('contention on a later item is retryable, whatever was skipped before it', async t => {
  const { doc } = cancellingClient(['None', 'TransactionConflict'])
  const err = await cancellation(transact(doc, [undefined, put('b'), put('c')]))
  t.same(err.reasons, ['None', 'None', 'TransactionConflict'])
  t.equal(err.retryable, true)
  t.equal(err.failedAt(2), false, 'a conflict is not a failed condition')
})

t.test('the item an ALL_OLD condition failure returns is reported at the caller\'s index too', async t => {
  const was = { PK: { S: 'c' }, SK: { S: 'c' }, v: { N: '1' } }
  const { doc } = cancellingClient(['None', { Code: 'ConditionalCheckFailed', Item: was }])
  const err = await cancellation(transact(doc, [put('a'), null, put('c')]))
  t.equal(err.failedAt(2), true)
  t.same(err.itemAt(2), was, 'the caller\'s item 2 as it stood')
  t.equal(err.itemAt(0), undefined, 'none for an item that returned none')
  t.equal(err.itemAt(1), undefined, 'nor for a skipped one')
})

t.test('other errors pass through unchanged', async t => {
  const boom = new Error('network down')
  const doc = { send: async () => { throw boom } } as unknown as DynamoDBDocumentClient
  await t.rejects(transact(doc, [put('a')]), boom)
})
