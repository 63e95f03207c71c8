// Console sessions (PK=SESSION#<id>, SK=SESSION): the sealed refresh token of one signed-in browser, removed by sign-out
// or by DynamoDB TTL at its expiry. Every instance reads the same record, so a session started on one refreshes on any
// other, and a sign-out on one holds on all.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys } from './keys.js'
import { TABLE } from '../dynamodb/table.js'

export interface StoredSession {
  /** The refresh token, sealed with the cookie's secret (src/session/secret.ts). */
  sealed: string
  userId: string
  /** Epoch seconds: the table's TTL attribute, and the end of the session even before TTL has removed it. */
  expiresAt: number
}

export function sessionsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    async put (sessionId: string, session: StoredSession, now: Date = new Date()): Promise<void> {
      await doc.send(new PutCommand({
        TableName: tableName,
        Item: { ...keys.session(sessionId), type: 'session', sealed: session.sealed, userId: session.userId, [TABLE.ttlAttribute]: session.expiresAt, updatedAt: now.toISOString() }
      }))
    },

    /** A consistent read: a session started or ended a moment ago on another instance is seen as it is now. */
    async get (sessionId: string): Promise<StoredSession | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.session(sessionId), ConsistentRead: true }))
      const item = res.Item as { sealed?: unknown, userId?: unknown, expiresAt?: unknown } | undefined
      if (item === undefined || typeof item.sealed !== 'string' || typeof item.userId !== 'string' || typeof item.expiresAt !== 'number') return null
      return { sealed: item.sealed, userId: item.userId, expiresAt: item.expiresAt }
    },

    /** Deleting a session already gone is no error. */
    async delete (sessionId: string): Promise<void> {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: keys.session(sessionId) }))
    }
  }
}
