// Tenants: the TENANT record under each tenant's partition, listed for operators through GSI1 (GSI1PK=TENANTS).
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Tenant } from '../domain/model.js'
import { keys } from './keys.js'

export function toTenant (item: Record<string, unknown>): Tenant {
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
    }
  }
}
