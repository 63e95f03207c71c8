// Email records, PK=EMAIL#<address>: which Cognito user an address belongs to. The anchor of invites (one user per address).
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantGroup } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys, normalizeEmail } from './keys.js'
import type { TransactItem } from './transact.js'

/**
 * The global email record: maps an address to its one Cognito user, whatever tenants the person is in. `pending` while
 * an invite (of `tenantId`, with `groups`: what identifies a retry of the same invite) is creating or finding that user;
 * `user` once it is known. It is a pointer, never proof: an invite checks that the user's current, verified email in
 * Cognito is still this address before following it (docs/organizations.md, "A change of address"). Records written
 * before organizations say `member` (and carry the tenant that invited): read as `user`.
 */
export interface EmailClaim {
  email: string
  status: 'pending' | 'user'
  userId?: string
  /** Cognito's Username of the user (cognito-local: the sub). */
  username?: string
  /** pending only: the inviting tenant and the groups of that invite. */
  tenantId?: string
  groups?: TenantGroup[]
  createdAt: string
}

/** The stored item of an email record: PK=EMAIL#<normalized address>. */
export function emailClaimItem (claim: EmailClaim) {
  return { ...keys.emailClaim(claim.email), type: 'emailClaim', ...claim }
}

function toClaim (item: Record<string, unknown>): EmailClaim {
  const status = item.status === 'pending' ? 'pending' : 'user'
  return {
    email: item.email as string,
    status,
    ...(typeof item.userId === 'string' ? { userId: item.userId } : {}),
    ...(typeof item.username === 'string' ? { username: item.username } : typeof item.userId === 'string' ? { username: item.userId } : {}),
    ...(status === 'pending' && typeof item.tenantId === 'string' ? { tenantId: item.tenantId } : {}),
    ...(status === 'pending' && Array.isArray(item.groups) ? { groups: item.groups as TenantGroup[] } : {}),
    createdAt: item.createdAt as string
  }
}

/** Deletes unless the condition fails; a failed condition means someone else's record now, left alone. */
async function deleteIf (doc: DynamoDBDocumentClient, input: ConstructorParameters<typeof DeleteCommand>[0]): Promise<void> {
  try {
    await doc.send(new DeleteCommand(input))
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
  }
}

export function emailRecords (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    async get (email: string): Promise<EmailClaim | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.emailClaim(email), ConsistentRead: true }))
      return res.Item ? toClaim(res.Item) : null
    },

    /**
     * Invite step 1, for an address without a known user: claims it as `pending` for this invite. Succeeds when the
     * address is free, or pending for this same tenant with the same groups (a retry of an interrupted invite, or the
     * same invite sent twice at once), or pending since before `staleBefore` (an attempt given up, of any tenant).
     * Fails its condition when the address has a user, or another invite is under way: answered without Cognito, so a
     * losing concurrent invite leaves nothing behind.
     */
    claimPending (scope: TenantScope, email: string, groups: TenantGroup[], now: string, staleBefore: string): TransactItem {
      const claim: EmailClaim = { email: normalizeEmail(email), tenantId: scope.tenantId, status: 'pending', groups, createdAt: now }
      return {
        Put: {
          TableName: tableName,
          Item: emailClaimItem(claim),
          ConditionExpression: 'attribute_not_exists(PK) OR (#s = :pending AND ((tenantId = :t AND groups = :g) OR createdAt < :stale))',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':t': scope.tenantId, ':pending': 'pending', ':g': groups, ':stale': staleBefore }
        }
      }
    },

    /**
     * Drops a record that names a user who no longer holds the address (deleted, or moved to another email), only
     * while it still names that user: replaced, never followed.
     */
    async dropStale (email: string, userId: string): Promise<void> {
      await deleteIf(doc, {
        TableName: tableName,
        Key: keys.emailClaim(email),
        ConditionExpression: '#s <> :pending AND userId = :u',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':u': userId }
      })
    },

    /** Rolls back step 1 (only a pending claim of this tenant; a finished one is never touched). */
    async releasePending (scope: TenantScope, email: string): Promise<void> {
      await deleteIf(doc, {
        TableName: tableName,
        Key: keys.emailClaim(email),
        ConditionExpression: 'tenantId = :t AND #s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':t': scope.tenantId, ':pending': 'pending' }
      })
    },

    /** Invite step 3 after a pending claim: the record turns `user`, only while the claim is still this invite's. */
    complete (scope: TenantScope, email: string, user: { userId: string, username: string }, groups: TenantGroup[]): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: keys.emailClaim(email),
          UpdateExpression: 'SET #s = :user, userId = :u, username = :n REMOVE tenantId, groups',
          ConditionExpression: 'tenantId = :t AND #s = :pending AND groups = :g',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':user': 'user', ':pending': 'pending', ':u': user.userId, ':n': user.username, ':g': groups, ':t': scope.tenantId }
        }
      }
    },

    /** A condition that the record still names this user (a join is refused once it was dropped or replaced). */
    namesUser (email: string, userId: string): TransactItem {
      return {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.emailClaim(email),
          ConditionExpression: '#s <> :pending AND userId = :u',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':u': userId }
        }
      }
    },

    /**
     * The record of a person's address as a founder's sign-up writes it. Cognito has just confirmed this user with the
     * address, and keeps one user per address (email is the username attribute), so a record naming anyone else is
     * stale: a pending invite that can no longer finish, or a user who moved to another address. Replaced.
     */
    putOwned (claim: EmailClaim): TransactItem {
      return { Put: { TableName: tableName, Item: emailClaimItem(claim) } }
    },

    /** With the account: the record goes, if it still names this user. */
    deleteOf (email: string, userId: string): TransactItem {
      return {
        Delete: {
          TableName: tableName,
          Key: keys.emailClaim(email),
          ConditionExpression: 'attribute_not_exists(PK) OR userId = :u',
          ExpressionAttributeValues: { ':u': userId }
        }
      }
    }
  }
}
export type EmailRecords = ReturnType<typeof emailRecords>
