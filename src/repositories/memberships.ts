// Memberships: PK=TENANT#<t>, SK=USER#<sub>, found from the user through GSI1 (GSI1PK=USER#<sub>).
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../table.js'
import type { Invitation, Membership } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys, normalizeEmail } from './keys.js'
import { queryTenantPage } from './cursor.js'
import type { TransactItem } from './transact.js'

function toMembership (item: Record<string, unknown>): Membership {
  return {
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    email: item.email as string,
    groups: (item.groups as Membership['groups'] | undefined) ?? [],
    status: item.status as Membership['status'],
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(typeof item.tokensValidAfter === 'number' ? { tokensValidAfter: item.tokensValidAfter } : {}),
    ...(item.invitation !== null && typeof item.invitation === 'object' ? { invitation: item.invitation as Invitation } : {})
  }
}

export function membershipItem (m: Membership) {
  return { ...keys.membership(m.tenantId, m.userId), ...keys.membershipIndex(m.tenantId, m.userId), type: 'membership', ...m }
}

export function membershipsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    /** Every membership of a user, across tenants (GSI1; eventually consistent), every page. */
    async findByUser (userId: string): Promise<Membership[]> {
      const found: Membership[] = []
      let start: Record<string, unknown> | undefined
      do {
        const res = await doc.send(new QueryCommand({
          TableName: tableName,
          IndexName: TABLE.gsi1.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
          ExpressionAttributeValues: { ':pk': keys.userIndexPk(userId) },
          ExclusiveStartKey: start
        }))
        for (const item of res.Items ?? []) found.push(toMembership(item))
        start = res.LastEvaluatedKey
      } while (start !== undefined)
      return found
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
          // The invitation is kept only while it is pending (Membership.invitation).
          UpdateExpression: 'SET #s = :active, updatedAt = :now REMOVE invitation',
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

// ---------------------------------------------------------------------------------------------------------------------
// Writes for user management (invite, group change, status change, removal) and the email claim. Kept apart from the
// reads above, which plugins/tenant uses.
// ---------------------------------------------------------------------------------------------------------------------

/** A membership as stored, with what user management needs besides the domain fields. */
export interface MembershipRecord extends Membership {
  /** Cognito's Username for the admin API (cognito-local's group lookups need it, not the email). */
  cognitoUsername: string
  /** Set while a removal is under way (Cognito user being deleted); the member is refused meanwhile. */
  removing?: boolean
  /** What `disabled` interrupted, restored by enabling. */
  statusBeforeDisable?: Membership['status']
  /**
   * Set with a disable, cleared once Cognito has disabled the user too: a repeated disable redoes the Cognito calls only
   * while it is set, so a finished one makes no Cognito call and an interrupted one is completed.
   */
  cognitoPending?: 'disable'
}

/**
 * The global email record, PK=EMAIL#<address>: maps an address to its one Cognito user, whatever tenants the person is
 * in. `pending` while an invite (of `tenantId`, with `groups`: what identifies a retry of the same invite) is creating
 * or finding that user; `user` once it is known. It is the anchor that makes concurrent invites of one address, by one
 * tenant or several, create exactly one Cognito user. Records written before organizations say `member` (and carry the
 * tenant that invited): read as `user`.
 */
export interface EmailClaim {
  email: string
  status: 'pending' | 'user'
  userId?: string
  /** Cognito's Username of the user (cognito-local: the sub). */
  username?: string
  /** pending only: the inviting tenant and the groups of that invite. */
  tenantId?: string
  groups?: Membership['groups']
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
    ...(status === 'pending' && Array.isArray(item.groups) ? { groups: item.groups as Membership['groups'] } : {}),
    createdAt: item.createdAt as string
  }
}

function toMembershipRecord (item: Record<string, unknown>): MembershipRecord {
  return {
    ...toMembership(item),
    cognitoUsername: (item.cognitoUsername as string | undefined) ?? (item.userId as string),
    ...(item.removing === true ? { removing: true } : {}),
    ...(item.statusBeforeDisable ? { statusBeforeDisable: item.statusBeforeDisable as Membership['status'] } : {}),
    ...(item.cognitoPending === 'disable' ? { cognitoPending: 'disable' as const } : {})
  }
}

export type MembershipChange = Partial<Pick<MembershipRecord, 'groups' | 'status' | 'removing' | 'statusBeforeDisable' | 'tokensValidAfter' | 'cognitoPending' | 'invitation'>>

export function membershipWrites (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  return {
    async getRecord (scope: TenantScope, userId: string): Promise<MembershipRecord | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.membership(scope.tenantId, userId), ConsistentRead: true }))
      return res.Item ? toMembershipRecord(res.Item) : null
    },

    /** The tenant's members, by user id; the cursor must point inside this tenant's memberships. */
    async list (scope: TenantScope, page: { limit: number, cursor?: string }) {
      return await queryTenantPage(dynamo, scope, keys.membershipSkPrefix, page, toMembershipRecord)
    },

    async getClaim (email: string): Promise<EmailClaim | null> {
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
    claimPending (scope: TenantScope, email: string, groups: Membership['groups'], now: string, staleBefore: string): TransactItem {
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

    /** Drops an email record that names a Cognito user that no longer exists (only while it still names that user). */
    async dropStaleClaim (email: string, userId: string): Promise<void> {
      try {
        await doc.send(new DeleteCommand({
          TableName: tableName,
          Key: keys.emailClaim(email),
          ConditionExpression: '#s <> :pending AND userId = :u',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':u': userId }
        }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    },

    /** Rolls back step 1 (only a pending claim of this tenant; a finished one is never touched). */
    async releasePendingClaim (scope: TenantScope, email: string): Promise<void> {
      try {
        await doc.send(new DeleteCommand({
          TableName: tableName,
          Key: keys.emailClaim(email),
          ConditionExpression: 'tenantId = :t AND #s = :pending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':t': scope.tenantId, ':pending': 'pending' }
        }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    },

    /**
     * Invite step 3 after a pending claim: the membership (with its GSI1 keys) and the email record turned `user`,
     * together; only while the claim is still this invite's (this tenant, same groups).
     */
    completeInvite (scope: TenantScope, m: MembershipRecord): TransactItem[] {
      return [
        { Put: { TableName: tableName, Item: { ...membershipItem(m), cognitoUsername: m.cognitoUsername }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Update: {
            TableName: tableName,
            Key: keys.emailClaim(m.email),
            UpdateExpression: 'SET #s = :user, userId = :u, username = :n REMOVE tenantId, groups',
            ConditionExpression: 'tenantId = :t AND #s = :pending AND groups = :g',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':user': 'user', ':pending': 'pending', ':u': m.userId, ':n': m.cognitoUsername, ':g': m.groups, ':t': scope.tenantId }
          }
        }
      ]
    },

    /**
     * The invite of an address whose user is known: the membership, while the email record still names that user
     * (a concurrent removal of the person's last membership deletes both).
     */
    joinExisting (scope: TenantScope, m: MembershipRecord): TransactItem[] {
      return [
        { Put: { TableName: tableName, Item: { ...membershipItem({ ...m, tenantId: scope.tenantId }), cognitoUsername: m.cognitoUsername }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          ConditionCheck: {
            TableName: tableName,
            Key: keys.emailClaim(m.email),
            ConditionExpression: '#s <> :pending AND userId = :u',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending', ':u': m.userId }
          }
        }
      ]
    },

    /** Applies a change if the membership is still the one read (optimistic lock on updatedAt). */
    change (scope: TenantScope, m: MembershipRecord, next: MembershipChange, now: string): TransactItem {
      const set: string[] = ['updatedAt = :now']
      const remove: string[] = []
      const values: Record<string, unknown> = { ':now': now, ':seen': m.updatedAt }
      const names: Record<string, string> = {}
      for (const [field, value] of Object.entries(next)) {
        names[`#${field}`] = field
        if (value === undefined || value === false) remove.push(`#${field}`)
        else { set.push(`#${field} = :${field}`); values[`:${field}`] = value }
      }
      return {
        Update: {
          TableName: tableName,
          Key: keys.membership(scope.tenantId, m.userId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'updatedAt = :seen',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values
        }
      }
    },

    /** Disable's last step: Cognito has disabled the user too (no-op if a later change already cleared the mark). */
    async clearCognitoPending (scope: TenantScope, userId: string, pending: 'disable'): Promise<void> {
      try {
        await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: keys.membership(scope.tenantId, userId),
          UpdateExpression: 'REMOVE cognitoPending',
          ConditionExpression: 'cognitoPending = :p',
          ExpressionAttributeValues: { ':p': pending }
        }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    },

    /**
     * Removal's last step: the membership goes, held to the state read (`updatedAt`); with `account`, the email record
     * too (the Cognito user is gone), only if it still names this user.
     */
    remove (scope: TenantScope, m: MembershipRecord, account: boolean): TransactItem[] {
      return [
        { Delete: { TableName: tableName, Key: keys.membership(scope.tenantId, m.userId) } },
        ...(account
          ? [{
              Delete: {
                TableName: tableName,
                Key: keys.emailClaim(m.email),
                ConditionExpression: 'attribute_not_exists(PK) OR userId = :u',
                ExpressionAttributeValues: { ':u': m.userId }
              }
            }]
          : [])
      ]
    },

    /** A declined invitation: the membership goes, if it is still the one read. */
    decline (scope: TenantScope, m: MembershipRecord): TransactItem {
      return {
        Delete: {
          TableName: tableName,
          Key: keys.membership(scope.tenantId, m.userId),
          ConditionExpression: 'updatedAt = :seen AND #s = :invited',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':seen': m.updatedAt, ':invited': 'invited' }
        }
      }
    }
  }
}
