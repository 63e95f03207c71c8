// Tenants: the TENANT record under each tenant's partition, listed for operators through GSI1 (GSI1PK=TENANTS).
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Tenant } from '../domain/model.js'
import { keys } from './keys.js'
import { TABLE } from '../dynamodb/table.js'
import { decodeCursor, pageOf, tableKeyOf } from './cursor.js'
import { transact, TransactionCancelled, type TransactItem } from './transact.js'

function toTenant (item: Record<string, unknown>): Tenant {
  return {
    tenantId: item.tenantId as string,
    name: item.name as string,
    status: item.status as Tenant['status'],
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string
  }
}

export function tenantItem (t: Tenant) {
  return { ...keys.tenant(t.tenantId), GSI1PK: keys.tenantsIndexPk, GSI1SK: `${t.createdAt}#${t.tenantId}`, type: 'tenant', ...t }
}

export function tenantsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    async get (tenantId: string, opts: { consistent?: boolean } = {}): Promise<Tenant | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.tenant(tenantId), ConsistentRead: opts.consistent }))
      return res.Item ? toTenant(res.Item) : null
    },

    /**
     * Several tenants in BatchGetItem calls of up to 100 keys (eventually consistent, as get), the unprocessed keys
     * asked again; the tenants that exist, by id.
     */
    async getMany (tenantIds: readonly string[]): Promise<Map<string, Tenant>> {
      const found = new Map<string, Tenant>()
      const ids = [...new Set(tenantIds)]
      for (let i = 0; i < ids.length; i += 100) {
        let keysLeft: Array<Record<string, unknown>> | undefined = ids.slice(i, i + 100).map(id => keys.tenant(id))
        for (let round = 0; keysLeft !== undefined && keysLeft.length > 0; round++) {
          if (round > 0) await new Promise(resolve => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)))
          const res: BatchGetCommandOutput = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keysLeft } } }))
          for (const item of res.Responses?.[tableName] ?? []) found.set(item.tenantId as string, toTenant(item))
          keysLeft = res.UnprocessedKeys?.[tableName]?.Keys
          if (round >= 8 && keysLeft !== undefined && keysLeft.length > 0) throw new Error('DynamoDB left tenant reads unprocessed')
        }
      }
      return found
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Writes and the operator listing, for tenant onboarding and user management. Kept apart from the reads above.
// ---------------------------------------------------------------------------------------------------------------------

export function tenantWrites (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    /** A new tenant: adminCount starts at 0 and counts its active admins (the last-admin guard), from the first acceptance. */
    create (t: Tenant, adminEmail: string): TransactItem {
      return {
        Put: {
          TableName: tableName,
          // onboardingAdminEmail lets a retried onboarding resume this tenant instead of colliding with its own claim.
          Item: { ...tenantItem(t), adminCount: 0, onboardingAdminEmail: adminEmail },
          ConditionExpression: 'attribute_not_exists(PK)'
        }
      }
    },

    /**
     * Deletes a tenant whose onboarding was abandoned: still no admin, created for this admin email. Anything else
     * (an admin joined meanwhile, another tenant) fails the condition and is left alone. `alongside` (the creation's
     * audit entry taken back) goes in the same transaction, so nothing of a tenant that never was stays behind.
     */
    async deleteAbandoned (tenantId: string, adminEmail: string, alongside: TransactItem[]): Promise<boolean> {
      try {
        await transact(doc, [
          {
            Delete: {
              TableName: tableName,
              Key: keys.tenant(tenantId),
              ConditionExpression: 'adminCount = :zero AND onboardingAdminEmail = :e',
              ExpressionAttributeValues: { ':zero': 0, ':e': adminEmail }
            }
          },
          ...alongside
        ])
        return true
      } catch (err) {
        if (err instanceof TransactionCancelled && err.failedAt(0)) return false
        throw err
      }
    },

    /** The tenant with its bookkeeping (admin count, onboarding email); strongly consistent. */
    async getRecord (tenantId: string) {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.tenant(tenantId), ConsistentRead: true }))
      if (!res.Item) return null
      return { tenant: toTenant(res.Item), adminCount: Number(res.Item.adminCount ?? 0), onboardingAdminEmail: res.Item.onboardingAdminEmail as string | undefined }
    },

    /**
     * Moves the tenant's admin count. A decrement carries the guard: it fails its condition unless another admin
     * remains, which makes "keep at least one admin" race-free (two concurrent removals cannot both pass).
     */
    /** `guarded` (the default): a decrement never takes the last admin. A declined invitation is not guarded: it was never the person's to keep. */
    adjustAdminCount (tenantId: string, delta: 1 | -1, guarded = true): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: 'ADD adminCount :d',
          ConditionExpression: delta < 0 && guarded ? 'attribute_exists(PK) AND adminCount > :one' : 'attribute_exists(PK)',
          ExpressionAttributeValues: delta < 0 && guarded ? { ':d': delta, ':one': 1 } : { ':d': delta }
        }
      }
    },

    /**
     * Applies only while the record is still as read (`was`): a concurrent change fails the condition. Name and status
     * are compared too, not only updatedAt (millisecond granularity), since the audit entry records them as "from".
     * A failed condition returns the record as it stood (ALL_OLD; none if it is gone), so the caller needs no read to
     * tell a concurrent change from a deletion.
     */
    update (tenantId: string, next: Partial<Pick<Tenant, 'name' | 'status'>>, now: string, was: Pick<Tenant, 'name' | 'status' | 'updatedAt'>): TransactItem {
      const names: Record<string, string> = { '#wasName': 'name', '#wasStatus': 'status' }
      const values: Record<string, unknown> = { ':now': now, ':was': was.updatedAt, ':wasName': was.name, ':wasStatus': was.status }
      const set = ['updatedAt = :now']
      for (const [field, value] of Object.entries(next)) {
        if (value === undefined) continue
        names[`#${field}`] = field
        values[`:${field}`] = value
        set.push(`#${field} = :${field}`)
      }
      return {
        Update: {
          TableName: tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'updatedAt = :was AND #wasName = :wasName AND #wasStatus = :wasStatus',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD'
        }
      }
    },

    /** Every tenant, oldest first (GSI1PK=TENANTS); the cursor must point inside that index partition. */
    async list (page: { limit: number, cursor?: string }) {
      const start = decodeCursor(page.cursor, ['PK', 'SK', TABLE.gsi1.partitionKey, TABLE.gsi1.sortKey],
        k => k[TABLE.gsi1.partitionKey] === keys.tenantsIndexPk && k.SK === 'TENANT' && k.PK?.startsWith('TENANT#') === true)
      const res = await doc.send(new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.gsi1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.tenantsIndexPk },
        // One item more than the page holds: it proves that more follow, so the last page has nextCursor null
        // instead of a cursor to an empty page (as queryTenantPage does for the tenant-scoped lists).
        Limit: page.limit + 1,
        ExclusiveStartKey: start
      }))
      const gsi1KeyOf = (item: Record<string, unknown>) => ({ ...tableKeyOf(item), [TABLE.gsi1.partitionKey]: item[TABLE.gsi1.partitionKey], [TABLE.gsi1.sortKey]: item[TABLE.gsi1.sortKey] })
      return pageOf(res.Items ?? [], page.limit, res.LastEvaluatedKey, gsi1KeyOf, toTenant)
    }
  }
}
