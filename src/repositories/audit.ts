// The audit trail: one item per admin action under the tenant (SK=AUDIT#<time-sortable id>), read newest first.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'
import { sortableId } from '../domain/ids.js'
import { decodeTenantCursor, pageOf, queryTenantPage, tableKeyOf } from './cursor.js'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import type { TransactItem } from './transact.js'

export type AuditAction =
  | 'tenant.created' | 'tenant.updated'
  | 'user.invited' | 'user.group_added' | 'user.group_removed'
  | 'user.disabled' | 'user.enabled' | 'user.removed' | 'user.invitation_resent'
  | 'user.invitation_revoked' | 'user.invitation_accepted' | 'user.invitation_declined'
  | 'user.joined' | 'user.left'
  | 'domain.claimed' | 'domain.verified' | 'domain.removed' | 'domain.policy_changed'
  | 'sso.connection_created' | 'sso.connection_deleted' | 'sso.enforcement_changed' | 'sso.signed_out'
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

/** Who acts, as a service passes it: a user id, or the id with the address to name them by (routes: actorOf). */
export type ActorRef = string | { userId: string, email?: string }
export const actorIdOf = (actor: ActorRef): string => typeof actor === 'string' ? actor : actor.userId

export interface AuditQuery { limit: number, cursor?: string, from?: number, to?: number, who?: string, action?: string }
/** Entries a filtered search reads at most per call (one page): the bound on its cost. */
export const SCAN_BUDGET = 1000
const MAX_TIME = 36 ** 10 - 1
/** The time part of an audit id (src/domain/ids.ts sortableId): 10 base36 digits of epoch ms. */
const idTime = (ms: number) => Math.max(0, Math.min(ms, MAX_TIME)).toString(36).padStart(10, '0')

export type AuditInput = Omit<AuditEntry, 'auditId' | 'tenantId' | 'at' | 'actor'> & { actor: ActorRef }

/** The item to Put, in the same transaction as the change it records. */
function auditItem (tenantId: string, input: AuditInput, now = new Date()) {
  const { actor, ...rest } = input
  const email = typeof actor === 'string' ? undefined : actor.email
  const entry: AuditEntry = { auditId: sortableId(now.getTime()), tenantId, at: now.toISOString(), ...(email !== undefined ? { actorEmail: email } : {}), ...rest, actor: actorIdOf(actor) }
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
    },

    /**
     * Newest first, filtered: `from`/`to` bound the key (audit ids start with their time), so a time range reads only
     * its own entries; `who` (a user id or an address, as actor or target) and `action` (a code or a prefix such as
     * "user.") are a filter over what that range holds, read at most SCAN_BUDGET entries per call. A page can thus come
     * back short, even empty, with a cursor that continues the scan: only a null nextCursor means the end.
     */
    async search (scope: TenantScope, q: AuditQuery) {
      const names: Record<string, string> = { '#pk': 'PK', '#sk': 'SK' }
      const values: Record<string, unknown> = { ':pk': keys.tenantPk(scope.tenantId), ':lo': `${keys.auditSkPrefix}${idTime(q.from ?? 0)}`, ':hi': `${keys.auditSkPrefix}${idTime(q.to ?? MAX_TIME)}~` }
      const filters: string[] = []
      if (q.who !== undefined) {
        Object.assign(names, { '#a': 'actor', '#ae': 'actorEmail', '#t': 'target', '#te': 'targetEmail' })
        values[':who'] = q.who
        filters.push('(#a = :who OR #ae = :who OR #t = :who OR #te = :who)')
      }
      if (q.action !== undefined) { names['#action'] = 'action'; values[':action'] = q.action; filters.push('begins_with(#action, :action)') }
      const want = q.limit + 1
      const found: Array<Record<string, unknown>> = []
      let startKey: Record<string, unknown> | undefined = decodeTenantCursor(q.cursor, scope, keys.auditSkPrefix)
      let read = 0
      while (found.length < want && read < SCAN_BUDGET) {
        const res = await dynamo.doc.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filters.length > 0 ? Math.min(SCAN_BUDGET - read, 200) : want - found.length,
          ExclusiveStartKey: startKey
        }))
        read += res.ScannedCount ?? 0
        found.push(...(res.Items ?? []).slice(0, want - found.length))
        startKey = res.LastEvaluatedKey
        if (!startKey) break
      }
      return pageOf(found, q.limit, startKey, tableKeyOf, toAuditEntry)
    }
  }
}
