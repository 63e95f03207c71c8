// The audit trail: one item per admin action under the tenant (SK=AUDIT#<time-sortable id>), read newest first.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'
import { sortableId } from '../domain/ids.js'
import { queryTenantPage } from './cursor.js'
import type { TransactItem } from './transact.js'

export type AuditAction =
  | 'tenant.created' | 'tenant.updated'
  | 'user.invited' | 'user.group_added' | 'user.group_removed'
  | 'user.disabled' | 'user.enabled' | 'user.removed' | 'user.invitation_resent'
  | 'user.invitation_revoked' | 'user.invitation_accepted' | 'user.invitation_declined'
  | 'user.joined' | 'user.left'
  | 'domain.claimed' | 'domain.verified' | 'domain.removed' | 'domain.policy_changed'
  | 'order.deleted'

export interface AuditEntry {
  auditId: string
  tenantId: string
  /** The principal's user id, or `operator:<name>` for scripts. */
  actor: string
  action: AuditAction
  /** The actor's address when the entry was written, so a person who has since left stays named. */
  actorEmail?: string
  /** What the action was applied to: a user id, the tenant id, an order id. */
  target: string
  /** The target person's address when the entry was written (user actions). */
  targetEmail?: string
  at: string
  details?: Record<string, unknown>
}

export type AuditInput = Omit<AuditEntry, 'auditId' | 'tenantId' | 'at'>

/** The item to Put, in the same transaction as the change it records. */
function auditItem (tenantId: string, input: AuditInput, now = new Date()) {
  const entry: AuditEntry = { auditId: sortableId(now.getTime()), tenantId, at: now.toISOString(), ...input }
  return { ...keys.audit(tenantId, entry.auditId), type: 'audit', ...entry }
}

function toAuditEntry (item: Record<string, unknown>): AuditEntry {
  return {
    auditId: item.auditId as string,
    tenantId: item.tenantId as string,
    actor: item.actor as string,
    action: item.action as AuditAction,
    ...(typeof item.actorEmail === 'string' ? { actorEmail: item.actorEmail } : {}),
    target: item.target as string,
    ...(typeof item.targetEmail === 'string' ? { targetEmail: item.targetEmail } : {}),
    at: item.at as string,
    ...(item.details ? { details: item.details as Record<string, unknown> } : {})
  }
}

export function auditRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { tableName } = dynamo
  return {
    /** A Put for a TransactWrite. */
    put (scope: TenantScope, input: AuditInput) {
      return { Put: { TableName: tableName, Item: auditItem(scope.tenantId, input), ConditionExpression: 'attribute_not_exists(PK)' } }
    },

    /** A Delete for a TransactWrite: takes back the entry a `put` wrote, for a change that in the end never was. */
    retract (written: { Put: { Item: { PK: string, SK: string } } }): TransactItem {
      return { Delete: { TableName: tableName, Key: { PK: written.Put.Item.PK, SK: written.Put.Item.SK } } }
    },

    /** Newest first; the cursor must point inside this tenant's audit trail. */
    async list (scope: TenantScope, page: { limit: number, cursor?: string }) {
      return await queryTenantPage(dynamo, scope, keys.auditSkPrefix, { ...page, newestFirst: true }, toAuditEntry)
    }
  }
}
