// tenantUsers.invite's claim transaction: a failed condition is reported by the caller's own item indexes, whatever invite adds.
import t from 'tap'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { UserPoolClient } from '../../src/cognito/user-pool.js'
import { createTenantUsers } from '../../src/services/users/index.js'
import { mintTenantScope } from '../../src/domain/tenant-scope.js'
import { keys } from '../../src/repositories/keys.js'
import { TransactionCancelled, type TransactItem } from '../../src/repositories/transact.js'

const scope = mintTenantScope('tenant-a')
const email = 'new@example.com'
const claimKey = keys.emailClaim(email)

/**
 * A client that cancels every transaction the way DynamoDB does, with one reason per item as sent: the condition of
 * the item `failing` picks fails. Reads answer `stored`. Cognito is never reached (the cancellation comes first).
 */
function tenantUsersOn (failing: (item: TransactItem) => boolean, stored: Record<string, unknown> | null = null) {
  const doc = {
    async send (command: { constructor: { name: string }, input: { TransactItems?: TransactItem[] } }) {
      if (command.constructor.name === 'GetCommand') return { Item: stored ?? undefined }
      const codes = (command.input.TransactItems ?? []).map(item => failing(item) ? 'ConditionalCheckFailed' : 'None')
      throw Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map(Code => ({ Code })) })
    }
  } as unknown as DynamoDBDocumentClient
  return createTenantUsers({ dynamo: { doc, tableName: 't' }, cognito: {} as UserPoolClient, claimWaitMs: 50 })
}

const extra = (pk: string): TransactItem => ({ Put: { TableName: 't', Item: { PK: pk, SK: pk }, ConditionExpression: 'attribute_not_exists(PK)' } })
const keyOf = (item: TransactItem) => item.Put?.Item?.PK

t.test('an extra item whose condition fails is reported at the caller\'s index for it', async t => {
  const users = tenantUsersOn(item => keyOf(item) === 'second')
  const err = await users.invite(scope, { email, actor: 'op' }, () => [extra('first'), extra('second')]).catch((e: unknown) => e)
  if (!(err instanceof TransactionCancelled)) throw err
  t.equal(err.failedAt(1), true, 'extra[1] failed')
  t.equal(err.failedAt(0), false, 'extra[0] did not')
  t.equal(err.retryable, false)
})

t.test('the claim\'s own condition still maps to a 409, with extra items ahead of it or not', async t => {
  // Another tenant's invite of the address is between its steps: waited for (claimWaitMs), then 409 to retry.
  const elsewhere = { ...claimKey, email, tenantId: 'tenant-b', status: 'pending', groups: ['members'], createdAt: new Date().toISOString() }
  // This tenant's own invite of it with other groups: 409 at once.
  const here = { ...elsewhere, tenantId: 'tenant-a', groups: ['admins'] }
  for (const items of [[], [extra('first'), extra('second')]] as TransactItem[][]) {
    await t.rejects(tenantUsersOn(item => keyOf(item) === claimKey.PK, elsewhere).invite(scope, { email, actor: 'op' }, () => items), { code: 'APP_INVITE_UNDER_WAY' }, `${items.length} extra items`)
    await t.rejects(tenantUsersOn(item => keyOf(item) === claimKey.PK, here).invite(scope, { email, actor: 'op' }, () => items), { code: 'APP_CONFLICT' }, `${items.length} extra items`)
  }
})

t.test('a re-enable in the disable\'s own second waits for the next second before Cognito enables the user', async t => {
  const disabledAt = 1_800_000_000
  const stored = { ...keys.membership('tenant-a', 'u1'), tenantId: 'tenant-a', userId: 'u1', email, groups: ['members'], status: 'disabled', statusBeforeDisable: 'active', tokensValidAfter: disabledAt + 1, createdAt: 'c', updatedAt: 'u', cognitoUsername: 'u1' }
  const steps: string[] = []
  const doc = {
    async send (command: { constructor: { name: string } }) {
      if (command.constructor.name === 'GetCommand') {
        const key = (command as unknown as { input: { Key: { SK: string } } }).input.Key
        return { Item: key.SK === 'ACCOUNT' ? { live: 1, memberships: 1 } : stored }
      }
      steps.push(command.constructor.name)
      return {}
    }
  } as unknown as DynamoDBDocumentClient
  const calls = {
    getUser: async () => ({ userId: 'u1', username: 'u1', email, emailVerified: true, status: 'CONFIRMED', enabled: steps.includes('AdminEnableUser') }),
    enableUser: async () => { steps.push('AdminEnableUser') }
  }
  const cognito = { ...calls, forTenant: () => calls } as unknown as UserPoolClient
  const users = createTenantUsers({
    dynamo: { doc, tableName: 't' },
    cognito,
    now: () => new Date(disabledAt * 1000 + 300),
    sleep: async (ms) => { steps.push(`sleep ${ms}`) }
  })
  await users.setStatus(scope, 'u1', 'active', 'admin')
  t.same(steps, ['sleep 700', 'TransactWriteCommand', 'AdminEnableUser', 'UpdateCommand'], 'no token can be issued before the bar: tokens after it are accepted; then the pending mark is cleared')
})
