// Profiles: a person's own settings across tenants (PK=USER#<sub>, SK=PROFILE): today, the default tenant.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys } from './keys.js'

export interface Profile { userId: string, defaultTenantId?: string, updatedAt: string }

export function profilesRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    async get (userId: string): Promise<Profile | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.userProfile(userId) }))
      if (!res.Item) return null
      const { defaultTenantId, updatedAt } = res.Item as { defaultTenantId?: unknown, updatedAt?: unknown }
      return { userId, ...(typeof defaultTenantId === 'string' ? { defaultTenantId } : {}), updatedAt: String(updatedAt) }
    },

    /** The tenant the pre token generation trigger puts into the person's next tokens (the caller checked the membership). */
    async setDefaultTenant (userId: string, tenantId: string, now: Date = new Date()): Promise<void> {
      await doc.send(new PutCommand({
        TableName: tableName,
        Item: { ...keys.userProfile(userId), type: 'profile', userId, defaultTenantId: tenantId, updatedAt: now.toISOString() }
      }))
    }
  }
}
