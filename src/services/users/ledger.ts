// The one write module for memberships: every path that adds, changes or ends one goes through here, so the tenant's
// active-admin count and the person's account counts (src/repositories/accounts.ts) move in the same transaction.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Membership, Tenant, TenantGroup } from '../../domain/model.js'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { ConcurrentChangeError, LastAdminError } from '../../domain/errors.js'
import { membershipWrites, type MembershipChange, type MembershipRecord } from '../../repositories/memberships.js'
import { accountsRepository } from '../../repositories/accounts.js'
import { emailRecords } from '../../repositories/email-records.js'
import { tenantItem, tenantWrites } from '../../repositories/tenants.js'
import { keys } from '../../repositories/keys.js'
import { actorIdOf, auditRepository, type AuditInput } from '../../repositories/audit.js'
import { transact, TransactionCancelled, type TransactItem } from '../../repositories/transact.js'

type MembershipState = Pick<Membership, 'groups' | 'status'> & { removing?: boolean }

/** Admins that count towards the tenant's adminCount, the last-admin guard: active ones only (not invited, not disabled). */
export const countsAsAdmin = (m: MembershipState) => m.groups.includes('admins') && m.status === 'active' && m.removing !== true
/** A membership that keeps the person's Cognito account enabled: active, or invited and not disabled; not being removed. */
export const isLive = (m: MembershipState) => (m.status === 'active' || m.status === 'invited') && m.removing !== true

export interface LedgerDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  now?: () => Date
}

/**
 * The entry with the people named by address as they are now, so the trail keeps naming them after they leave: the
 * membership's person as the target, and as the actor when they act on themselves (accept, decline, leave).
 */
function named (entry: AuditInput, m: MembershipRecord): AuditInput {
  const self = actorIdOf(entry.actor) === m.userId && typeof entry.actor === 'string'
  return {
    ...entry,
    ...(self ? { actor: { userId: m.userId, email: m.email } } : {}),
    ...(entry.target === m.userId && entry.targetEmail === undefined ? { targetEmail: m.email } : {})
  }
}

export function membershipLedger (deps: LedgerDeps) {
  const memberships = membershipWrites(deps.dynamo)
  const accounts = accountsRepository(deps.dynamo)
  const emails = emailRecords(deps.dynamo)
  const tenants = tenantWrites(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const run = (items: Array<TransactItem | null | false | undefined>) => transact(deps.dynamo.doc, items)

  /**
   * The items that add membership `m` (invite, sign-up), in this order: the membership (refused if one exists:
   * index 0), the account's counts (refused while the account is being deleted: index 1), and the tenant's admin
   * count when `m` is an active admin (unless `tenantCounts`: the tenant item is written in the same transaction
   * with its count, since one transaction cannot touch an item twice). Callers add their own items after these.
   */
  function addItems (m: MembershipRecord, opts: { tenantCounts?: boolean } = {}): TransactItem[] {
    return [
      memberships.put(m),
      accounts.join({ userId: m.userId, username: m.cognitoUsername }, m.email, isLive(m)),
      ...(countsAsAdmin(m) && opts.tenantCounts !== true ? [tenants.adjustAdminCount(m.tenantId, 1)] : [])
    ]
  }

  return {
    addItems,

    /**
     * A tenant with its founder, its one active admin, in one transaction (self sign-up, the local seed), in this
     * order: the tenant (refused if it exists: index 0), the founder's membership (index 1), the account's counts
     * (index 2), and the email record naming the founder (see emailRecords.putOwned: Cognito has just confirmed the
     * address as this user's, so any record naming someone else is stale and replaced).
     */
    foundingItems (tenant: Tenant, founder: { userId: string, username: string, email: string }): TransactItem[] {
      const m: MembershipRecord = { tenantId: tenant.tenantId, userId: founder.userId, email: founder.email, groups: ['admins'], status: 'active', createdAt: tenant.createdAt, updatedAt: tenant.createdAt, cognitoUsername: founder.username }
      return [
        { Put: { TableName: deps.dynamo.tableName, Item: { ...tenantItem(tenant), adminCount: 1 }, ConditionExpression: 'attribute_not_exists(PK)' } },
        ...addItems(m, { tenantCounts: true }),
        emails.putOwned({ email: founder.email, status: 'user', userId: founder.userId, username: founder.username, createdAt: tenant.createdAt })
      ]
    },

    /** The email record naming a person who joined without an invite (the local seed's members). */
    ownedEmailItem (person: { userId: string, username: string, email: string }, at: string): TransactItem {
      return emails.putOwned({ email: person.email, status: 'user', userId: person.userId, username: person.username, createdAt: at })
    },

    /**
     * A change to membership `m` (as read), with its audit entry; the tenant's admin count and the account's live count
     * follow from before and after, so no caller can get them wrong. A lost optimistic lock is a 409 to retry; a change
     * that would take the tenant's last active admin is the last-admin 409.
     */
    async change (scope: TenantScope, m: MembershipRecord, next: MembershipChange, entry: AuditInput | null, alongside: TransactItem[] = []): Promise<void> {
      const after = { ...m, ...next }
      const adminDelta = Number(countsAsAdmin(after)) - Number(countsAsAdmin(m))
      const liveDelta = Number(isLive(after)) - Number(isLive(m))
      try {
        await run([
          memberships.change(scope, m, next, now().toISOString()),
          adminDelta !== 0 && tenants.adjustAdminCount(scope.tenantId, adminDelta as 1 | -1),
          liveDelta !== 0 && accounts.moveLive(m.userId, liveDelta as 1 | -1),
          entry !== null && audit.put(scope, named(entry, m)),
          ...alongside
        ])
      } catch (err) {
        if (err instanceof TransactionCancelled) {
          if (adminDelta < 0 && err.failedAt(1)) throw new LastAdminError()
          if (err.failedAt(0)) throw new ConcurrentChangeError('user')
        }
        throw err
      }
    },

    /**
     * invited → active by the person's first authenticated request in the tenant (an invitation that created their
     * account), audited; an admin starts counting. False when it was no longer invited (another request got there first).
     */
    async acceptFirst (scope: TenantScope, userId: string, groups: readonly TenantGroup[], email?: string): Promise<boolean> {
      try {
        await run([
          memberships.acceptFirst(scope, userId, now().toISOString()),
          groups.includes('admins') && tenants.adjustAdminCount(scope.tenantId, 1),
          audit.put(scope, { actor: email !== undefined ? { userId, email } : userId, action: 'user.invitation_accepted', target: userId, ...(email !== undefined ? { targetEmail: email } : {}), details: { groups: [...groups], by: 'first sign-in' } })
        ])
        return true
      } catch (err) {
        if (err instanceof TransactionCancelled && err.failedAt(0)) return false
        throw err
      }
    },

    /**
     * The decision that ending membership `m` also deletes the person's account: taken only while `m` is their one
     * membership, and from then on no invite can join the account. False when another membership exists (or joined).
     */
    async claimAccountDeletion (m: MembershipRecord): Promise<boolean> {
      try {
        await run([accounts.markDeleting(m.userId, now().toISOString())])
        return true
      } catch (err) {
        if (err instanceof TransactionCancelled && err.failedAt(0)) return false
        throw err
      }
    },

    /**
     * The last step of ending membership `m` (marked removing, so no longer live): the membership goes; with
     * `account`, the Cognito user is gone, and its account record and the email records of its addresses go too (each
     * only if it still names this user); otherwise the account counts one membership less.
     */
    async end (scope: TenantScope, m: MembershipRecord, account: { emails: string[] } | null): Promise<void> {
      await run([
        memberships.delete(scope, m.userId),
        ...(account ? [accounts.delete(m.userId), ...[...new Set(account.emails)].map(e => emails.deleteOf(e, m.userId))] : [accounts.leave(m.userId, 0)])
      ])
    },

    /** The tenant removed this address: no domain policy or SSO brings it back until an admin invites it again. */
    removedMark (tenantId: string, email: string, at: string): TransactItem {
      return { Put: { TableName: deps.dynamo.tableName, Item: { ...keys.removedMark(tenantId, email), type: 'removedMark', email, removedAt: at } } }
    },

    /** An invitation lifts the tenant's removal mark on the address. */
    liftRemovedMark (tenantId: string, email: string): TransactItem {
      return { Delete: { TableName: deps.dynamo.tableName, Key: keys.removedMark(tenantId, email) } }
    },

    clearCognitoPending: memberships.clearCognitoPending,
    getRecord: memberships.getRecord,
    list: memberships.list
  }
}
export type MembershipLedger = ReturnType<typeof membershipLedger>
