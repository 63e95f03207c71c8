// Account records, PK=USER#<sub>, SK=ACCOUNT: a person's membership counts across tenants, read strongly consistently.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys } from './keys.js'
import type { TransactItem } from './transact.js'

/**
 * One per person. `memberships` counts every membership (any status); `live` those that keep the Cognito account
 * enabled (active, or invited and not disabled; not being removed). Every write that adds, removes or changes a
 * membership moves them in the same transaction (src/services/users/ledger.ts), so "is this the last membership?" and
 * "does any tenant still hold this person?" are strongly consistent reads, not GSI1 queries. `deleting` is set, only
 * while `memberships` is 1, by the removal that deletes the Cognito user; from then on no invite can join the account.
 * `email` is the address the account held when last seen (an invite, a sign-up, a token): GET /me shows it.
 */
export interface Account {
  userId: string
  username?: string
  email?: string
  memberships: number
  live: number
  deleting?: string
}

export function accountsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  const key = (userId: string) => keys.account(userId)
  return {
    async get (userId: string): Promise<Account | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: key(userId), ConsistentRead: true }))
      const item = res.Item
      if (!item) return null
      return {
        userId,
        ...(typeof item.username === 'string' ? { username: item.username } : {}),
        ...(typeof item.email === 'string' ? { email: item.email } : {}),
        memberships: Number(item.memberships ?? 0),
        live: Number(item.live ?? 0),
        ...(typeof item.deleting === 'string' ? { deleting: item.deleting } : {})
      }
    },

    /** A membership is added: refused while the account is being deleted (its Cognito user is going). */
    join (user: { userId: string, username: string }, email: string, live: boolean): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: key(user.userId),
          UpdateExpression: 'SET #type = :type, userId = :u, username = :n, email = :e ADD memberships :one, live :live',
          ConditionExpression: 'attribute_not_exists(deleting)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':type': 'account', ':u': user.userId, ':n': user.username, ':e': email, ':one': 1, ':live': live ? 1 : 0 }
        }
      }
    },

    /** A person known without a membership yet (signed up where a verified domain offers a tenant): counts at zero. */
    register (user: { userId: string, username: string }, email: string): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: key(user.userId),
          UpdateExpression: 'SET #type = :type, userId = :u, username = :n, email = :e, memberships = if_not_exists(memberships, :zero), live = if_not_exists(live, :zero)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':type': 'account', ':u': user.userId, ':n': user.username, ':e': email, ':zero': 0 }
        }
      }
    },

    /** A membership changes between live and not (disable, enable, the start of a removal). */
    moveLive (userId: string, delta: -1 | 1): TransactItem {
      return { Update: { TableName: tableName, Key: key(userId), UpdateExpression: 'ADD live :d', ExpressionAttributeValues: { ':d': delta } } }
    },

    /** A membership goes and the account stays (`liveDelta`: -1 if the membership was still live). */
    leave (userId: string, liveDelta: -1 | 0): TransactItem {
      return { Update: { TableName: tableName, Key: key(userId), UpdateExpression: 'ADD memberships :minus, live :d', ExpressionAttributeValues: { ':minus': -1, ':d': liveDelta } } }
    },

    /**
     * The decision to delete the account with its last membership: only while this membership is the only one. After
     * it, joins fail (`join`'s condition), so no invite can point at the account the removal is about to delete.
     */
    markDeleting (userId: string, at: string): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: key(userId),
          UpdateExpression: 'SET deleting = if_not_exists(deleting, :at)',
          ConditionExpression: 'attribute_not_exists(memberships) OR memberships <= :one',
          ExpressionAttributeValues: { ':at': at, ':one': 1 }
        }
      }
    },

    /** The account is gone from Cognito: its record goes with the last membership. */
    delete (userId: string): TransactItem {
      return { Delete: { TableName: tableName, Key: key(userId) } }
    },

    /** The address the account now holds (seen in a token or an invite). */
    setEmail (userId: string, email: string): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: key(userId),
          UpdateExpression: 'SET email = :e',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':e': email }
        }
      }
    }
  }
}
export type Accounts = ReturnType<typeof accountsRepository>
