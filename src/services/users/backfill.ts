// Recounts what the ledger maintains, from the memberships themselves: each person's account counts and each tenant's
// active admins. For tables written before the counts existed, and as a repair; running it twice changes nothing.
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../repositories/keys.js'
import { countsAsAdmin, isLive } from './ledger.js'
import type { Membership } from '../../domain/model.js'

export interface BackfillResult { memberships: number, accounts: number, tenants: number }

/**
 * Scans the table (every page) for memberships, then sets each person's account record (memberships, live, username,
 * email) and each tenant's adminCount to what the memberships say. Accounts being deleted are left alone. Run it with
 * writes paused, or run it again afterwards: a membership change that lands between the scan and the write is
 * counted by its own transaction and then overwritten by the older count; a second run corrects that.
 */
export async function backfillCounts (dynamo: { doc: DynamoDBDocumentClient, tableName: string }, log: (line: string) => void = () => {}): Promise<BackfillResult> {
  const { doc, tableName } = dynamo
  const people = new Map<string, { memberships: number, live: number, username: string, email: string, seenAt: string }>()
  const admins = new Map<string, number>()
  const tenants = new Set<string>()
  let scanned = 0
  let start: Record<string, unknown> | undefined
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }))
    for (const item of page.Items ?? []) {
      if (item.type === 'tenant') tenants.add(item.tenantId as string)
      if (item.type !== 'membership') continue
      scanned++
      const m = item as unknown as Membership & { cognitoUsername?: string, removing?: boolean }
      const person = people.get(m.userId) ?? { memberships: 0, live: 0, username: m.cognitoUsername ?? m.userId, email: m.email, seenAt: '' }
      person.memberships++
      if (isLive(m)) person.live++
      // The most recently changed membership's copy of the address is the best guess of the account's current one.
      if (m.updatedAt > person.seenAt) { person.email = m.email; person.seenAt = m.updatedAt }
      people.set(m.userId, person)
      if (countsAsAdmin(m)) admins.set(m.tenantId, (admins.get(m.tenantId) ?? 0) + 1)
    }
    start = page.LastEvaluatedKey
  } while (start !== undefined)

  for (const [userId, p] of people) {
    try {
      await doc.send(new UpdateCommand({
        TableName: tableName,
        Key: keys.account(userId),
        UpdateExpression: 'SET #type = :type, userId = :u, username = :n, email = if_not_exists(email, :e), memberships = :m, live = :l',
        ConditionExpression: 'attribute_not_exists(deleting)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'account', ':u': userId, ':n': p.username, ':e': p.email, ':m': p.memberships, ':l': p.live }
      }))
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      log(`account ${userId} is being deleted: left alone`)
    }
  }
  for (const tenantId of tenants) {
    await doc.send(new UpdateCommand({
      TableName: tableName,
      Key: keys.tenant(tenantId),
      UpdateExpression: 'SET adminCount = :n',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':n': admins.get(tenantId) ?? 0 }
    }))
  }
  log(`${scanned} memberships: ${people.size} accounts and ${tenants.size} tenants counted`)
  return { memberships: scanned, accounts: people.size, tenants: tenants.size }
}
