// Memberships: PK=TENANT#<t>, SK=USER#<sub>, found from the user through GSI1 (GSI1PK=USER#<sub>).
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../dynamodb/table.js'
import type { Invitation, Membership } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'
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

/** What a request reads of memberships: a user's across tenants, and one within a scope (membershipWrites below changes them). */
export function membershipReads (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
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
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Writes for user management (invite, group change, status change, removal), through src/services/users/ledger.ts
// only. Kept apart from the reads above, which plugins/tenant uses.
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
   * Set with a status change, cleared once the Cognito account's enabled state has been brought in line with all the
   * person's memberships: a repeated change redoes that only while it is set, so a finished one makes no Cognito call
   * and an interrupted one is completed. (`disable`, written by earlier versions, reads the same.)
   */
  cognitoPending?: 'sync'
}

function toMembershipRecord (item: Record<string, unknown>): MembershipRecord {
  return {
    ...toMembership(item),
    cognitoUsername: (item.cognitoUsername as string | undefined) ?? (item.userId as string),
    ...(item.removing === true ? { removing: true } : {}),
    ...(item.statusBeforeDisable ? { statusBeforeDisable: item.statusBeforeDisable as Membership['status'] } : {}),
    ...(item.cognitoPending === 'sync' || item.cognitoPending === 'disable' ? { cognitoPending: 'sync' as const } : {})
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

    /** A new membership (invite or sign-up), with its GSI1 keys; refused if the person already has one here. */
    put (m: MembershipRecord): TransactItem {
      return { Put: { TableName: tableName, Item: { ...membershipItem(m), cognitoUsername: m.cognitoUsername }, ConditionExpression: 'attribute_not_exists(PK)' } }
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

    /** A status change's last step: Cognito is in line (no-op if a later change already cleared the mark). */
    async clearCognitoPending (scope: TenantScope, userId: string): Promise<void> {
      try {
        await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: keys.membership(scope.tenantId, userId),
          UpdateExpression: 'REMOVE cognitoPending',
          ConditionExpression: 'attribute_exists(cognitoPending)'
        }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    },

    /** Removal's last step: the membership goes (it is marked removing, so no other change races it). */
    delete (scope: TenantScope, userId: string): TransactItem {
      return { Delete: { TableName: tableName, Key: keys.membership(scope.tenantId, userId) } }
    },

    /** invited → active at the member's first authenticated request (an invitation that created the account). */
    acceptFirst (scope: TenantScope, userId: string, now: string): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: keys.membership(scope.tenantId, userId),
          // The invitation is kept only while it is pending (Membership.invitation).
          UpdateExpression: 'SET #s = :active, updatedAt = :now REMOVE invitation',
          ConditionExpression: '#s = :invited',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':invited': 'invited', ':now': now }
        }
      }
    }
  }
}
