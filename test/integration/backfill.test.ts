// npm run db:backfill's recount against DynamoDB Local: records written before the counts existed get them; twice is once.
import t from 'tap'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { startDynamo } from '../helpers/local-services.js'
import { membershipItem } from '../../src/repositories/memberships.js'
import { tenantItem } from '../../src/repositories/tenants.js'
import { keys } from '../../src/repositories/keys.js'
import { backfillCounts } from '../../src/services/users/backfill.js'
import type { Membership } from '../../src/domain/model.js'

const dynamo = await startDynamo(t)
const { doc, tableName, item } = dynamo
const at = '2026-01-01T00:00:00.000Z'
const put = async (i: Record<string, unknown>) => await doc.send(new PutCommand({ TableName: tableName, Item: i }))
const m = (tenantId: string, userId: string, status: Membership['status'], groups: Membership['groups'], updatedAt = at) =>
  ({ ...membershipItem({ tenantId, userId, email: `${userId}@example.com`, groups, status, createdAt: at, updatedAt }), cognitoUsername: `cu-${userId}` })

t.test('legacy memberships get account counts and tenants their active admins; a second run changes nothing', async t => {
  for (const tenantId of ['ta', 'tb']) await put({ ...tenantItem({ tenantId, name: tenantId, status: 'active', createdAt: at, updatedAt: at }), adminCount: 5 })
  await put(m('ta', 'u1', 'active', ['admins']))
  await put(m('tb', 'u1', 'invited', ['admins']))
  await put(m('ta', 'u2', 'disabled', ['admins', 'members']))
  await put({ ...m('tb', 'u2', 'active', ['members'], '2026-02-01T00:00:00.000Z'), email: 'u2-new@example.com' })
  await put({ ...m('tb', 'u3', 'disabled', ['members']), removing: true })

  const first = await backfillCounts(dynamo)
  t.same(first, { memberships: 5, accounts: 3, tenants: 2 })
  t.match(await item(keys.account('u1')), { memberships: 2, live: 2, username: 'cu-u1', email: 'u1@example.com' }, 'an invitation is live')
  t.match(await item(keys.account('u2')), { memberships: 2, live: 1, email: 'u2-new@example.com' }, 'the newest copy of the address')
  t.match(await item(keys.account('u3')), { memberships: 1, live: 0 }, 'a membership being removed is no longer live')
  t.match(await item(keys.tenant('ta')), { adminCount: 1 }, 'only the active admin counts, not the disabled one')
  t.match(await item(keys.tenant('tb')), { adminCount: 0 }, 'an invited admin does not count')

  const before = await Promise.all(['u1', 'u2', 'u3'].map(async u => await item(keys.account(u))))
  await backfillCounts(dynamo)
  t.same(await Promise.all(['u1', 'u2', 'u3'].map(async u => await item(keys.account(u)))), before, 'idempotent')
})

t.test('an account being deleted is left alone', async t => {
  await put({ ...keys.account('u9'), deleting: at, memberships: 1, live: 0 })
  await put(m('ta', 'u9', 'disabled', ['members']))
  const lines: string[] = []
  await backfillCounts(dynamo, line => lines.push(line))
  t.match(await item(keys.account('u9')), { deleting: at, memberships: 1, live: 0 })
  t.ok(lines.some(l => l.includes('u9')), 'and said so')
})
