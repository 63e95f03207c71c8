// Memberships: PK=TENANT#<t>, SK=USER#<sub>, found from the user through GSI1 (GSI1PK=USER#<sub>).
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../table.js'
import type { Membership } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'

export function toMembership (item: Record<string, unknown>): Membership {
  return {
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    email: item.email as string,
    groups: (item.groups as Membership['groups'] | undefined) ?? [],
    status: item.status as Membership['status'],
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string
  }
}

export function membershipItem (m: Membership) {
  return { ...keys.membership(m.tenantId, m.userId), ...keys.membershipIndex(m.tenantId, m.userId), type: 'membership', ...m }
}

export function membershipsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    /** Every membership of a user, across tenants (GSI1; eventually consistent). */
    async findByUser (userId: string): Promise<Membership[]> {
      const res = await doc.send(new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.gsi1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.userIndexPk(userId) },
        Limit: 10
      }))
      return (res.Items ?? []).map(toMembership)
    },

    async get (scope: TenantScope, userId: string, opts: { consistent?: boolean } = {}): Promise<Membership | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.membership(scope.tenantId, userId), ConsistentRead: opts.consistent }))
      return res.Item ? toMembership(res.Item) : null
    },

    /** invited → active at the member's first authenticated request; a no-op for any other status. */
    async markActive (scope: TenantScope, userId: string): Promise<boolean> {
      try {
        await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: keys.membership(scope.tenantId, userId),
          UpdateExpression: 'SET #s = :active, updatedAt = :now',
          ConditionExpression: '#s = :invited',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':invited': 'invited', ':now': new Date().toISOString() }
        }))
        return true
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return false
        throw err
      }
    }
  }
}
