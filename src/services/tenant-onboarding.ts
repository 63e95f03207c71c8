// Tenant onboarding and lifecycle for operators: create a tenant with its first admin, list, rename, suspend, reactivate.
import { randomUUID } from 'node:crypto'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Invitation, Membership, Tenant, TenantStatus } from '../domain/model.js'
import { mintTenantScope } from '../domain/tenant-scope.js'
import { ConcurrentChangeError, ConflictError, EmailUnavailableError, InviteUnderWayError, NotFoundError } from '../domain/errors.js'
import { keys, normalizeEmail } from '../repositories/keys.js'
import { tenantWrites } from '../repositories/tenants.js'
import { emailRecords } from '../repositories/email-records.js'
import { auditRepository, type ActorRef } from '../repositories/audit.js'
import { transact, TransactionCancelled, type TransactItem } from '../repositories/transact.js'
import type { TenantUsers } from './users/index.js'

export interface TenantOnboardingDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  tenantUsers: TenantUsers
  /** Drops any cached view of the tenant on this instance (plugins/tenant), so a suspension takes effect at once. */
  evictTenant?: (tenantId: string) => void
  now?: () => Date
}

export function createTenantOnboarding (deps: TenantOnboardingDeps) {
  const tenants = tenantWrites(deps.dynamo)
  const emails = emailRecords(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())

  /** A condition that the person the email record names has no membership in the tenant (none to check without a user). */
  function noMembershipOf (tenantId: string, userId: string | undefined): TransactItem[] {
    if (userId === undefined) return []
    return [{ ConditionCheck: { TableName: deps.dynamo.tableName, Key: keys.membership(tenantId, userId), ConditionExpression: 'attribute_not_exists(PK)' } }]
  }

  /** The tenant an earlier, interrupted onboarding of this name and admin wrote: its invite's claim is still pending. */
  async function earlierAttempt (email: string, name: string): Promise<Tenant | null> {
    const claim = await emails.get(email)
    if (claim?.status !== 'pending' || claim.tenantId === undefined) return null
    const earlier = await tenants.getRecord(claim.tenantId)
    return earlier && earlier.onboardingAdminEmail === email && earlier.adminCount === 0 && earlier.tenant.name === name ? earlier.tenant : null
  }

  return {
    /**
     * The tenant record (and its audit entry) is written in the same transaction as the admin's pending email claim,
     * then the admin is invited (see tenantUsers.invite). If that is interrupted, the same request retried finds its
     * own pending claim on a tenant still waiting for that admin, and resumes it instead of creating a second tenant.
     * For a person who already has an account there is no claim to write: the tenant record goes in the one transaction
     * that writes the admin's (pending) membership, so neither exists without the other. The tenant counts its admin
     * (adminCount, the last-admin guard) once the invitation is accepted.
     */
    async onboard (input: { name: string, adminEmail: string, actor: ActorRef }): Promise<{ tenant: Tenant, admin: Membership }> {
      const at = now().toISOString()
      const email = normalizeEmail(input.adminEmail)
      // A retry of an onboarding interrupted mid-invite resumes it at once (rather than waiting on its own pending claim).
      const interrupted = await earlierAttempt(email, input.name)
      if (interrupted) return { tenant: interrupted, admin: await deps.tenantUsers.invite(mintTenantScope(interrupted.tenantId), { email, groups: ['admins'], actor: input.actor }) }
      const tenant: Tenant = { tenantId: randomUUID(), name: input.name, status: 'active', createdAt: at, updatedAt: at }
      const scope = mintTenantScope(tenant.tenantId)
      const created = audit.put(scope, { actor: input.actor, action: 'tenant.created', target: tenant.tenantId, details: { name: input.name } })
      try {
        let admin: Membership
        try {
          admin = await deps.tenantUsers.invite(scope, { email, groups: ['admins'], actor: input.actor }, () => [tenants.create(tenant, email), created])
        } catch (err) {
          // invite reports our own items' conditions by their index here (a random id taken, in practice never).
          if (err instanceof TransactionCancelled && (err.failedAt(0) || err.failedAt(1))) throw new ConflictError('The tenant already exists')
          throw err
        }
        return { tenant, admin }
      } catch (err) {
        const claim = await emails.get(email)
        if (err instanceof EmailUnavailableError || err instanceof InviteUnderWayError) {
          const earlier = await earlierAttempt(email, input.name)
          if (earlier && earlier.tenantId !== tenant.tenantId) {
            const admin = await deps.tenantUsers.invite(mintTenantScope(earlier.tenantId), { email, groups: ['admins'], actor: input.actor })
            return { tenant: earlier, admin }
          }
        }
        // Unless our own invite is still pending (an unknown outcome that a retry resumes), the tenant written with it
        // will never get its admin: remove it rather than leave an admin-less tenant behind for every failed attempt.
        // The admin's membership may exist all the same (an unknown outcome of the write that made it): then the
        // tenant stays, held by that condition.
        if (!(claim?.status === 'pending' && claim.tenantId === tenant.tenantId)) await tenants.deleteAbandoned(tenant.tenantId, email, [audit.retract(created), ...noMembershipOf(tenant.tenantId, claim?.userId)])
        throw err
      }
    },

    /**
     * An operator restores a tenant's administration: a member of the tenant (any status but removed) gets the admins
     * group, or the person is invited as an admin and accepts as usual. Audited in the tenant, with the operator as actor.
     */
    async appointAdmin (tenantId: string, input: { email: string, actor: ActorRef }): Promise<{ membership: Membership, invited: boolean }> {
      if (!await tenants.getRecord(tenantId)) throw new NotFoundError('Tenant')
      const scope = mintTenantScope(tenantId)
      const email = normalizeEmail(input.email)
      const existing = await deps.tenantUsers.findByEmail(scope, email)
      if (existing) {
        await deps.tenantUsers.addGroup(scope, existing.userId, 'admins', input.actor)
        return { membership: await deps.tenantUsers.get(scope, existing.userId), invited: false }
      }
      return { membership: await deps.tenantUsers.invite(scope, { email, groups: ['admins'], actor: input.actor }), invited: true }
    },

    /**
     * An operator renews an admin's pending invitation (a first admin's, typically, whose tenant has nobody else to do
     * it): the same renewal as the tenant admins' resend, audited in the tenant with the operator as actor. Only an
     * invitation to the admins group: the others are the tenant's admins' to renew (409).
     */
    async renewAdminInvitation (tenantId: string, userId: string, actor: ActorRef): Promise<Invitation> {
      if (!await tenants.getRecord(tenantId)) throw new NotFoundError('Tenant')
      const scope = mintTenantScope(tenantId)
      const m = await deps.tenantUsers.get(scope, userId)
      if (!m.groups.includes('admins')) throw new ConflictError('Only an invitation as admin is renewed by the operator; the tenant\'s admins renew the others')
      return await deps.tenantUsers.resendInvitation(scope, userId, actor)
    },

    list: (page: { limit: number, cursor?: string }) => tenants.list(page),

    /** A tenant's people (admins, members, pending invitations), paged, for operators: 404 for no such tenant. */
    async users (tenantId: string, page: { limit: number, cursor?: string }) {
      if (!await tenants.getRecord(tenantId)) throw new NotFoundError('Tenant')
      return await deps.tenantUsers.list(mintTenantScope(tenantId), page)
    },

    async get (tenantId: string): Promise<Tenant> {
      const found = await tenants.getRecord(tenantId)
      if (!found) throw new NotFoundError('Tenant')
      return found.tenant
    },

    /**
     * Rename and/or suspend/reactivate, audited in the same transaction; the tenant plugin refuses a suspended tenant's
     * users. By an operator, or (a rename only, routes/tenant) by the tenant's own admin.
     */
    async update (tenantId: string, next: { name?: string, status?: TenantStatus }, actor: ActorRef): Promise<Tenant> {
      const before = await tenants.getRecord(tenantId)
      if (!before) throw new NotFoundError('Tenant')
      const scope = mintTenantScope(tenantId)
      const details: Record<string, unknown> = {}
      if (next.name !== undefined && next.name !== before.tenant.name) details.name = { from: before.tenant.name, to: next.name }
      if (next.status !== undefined && next.status !== before.tenant.status) details.status = { from: before.tenant.status, to: next.status }
      if (Object.keys(details).length === 0) return before.tenant
      const at = now().toISOString()
      try {
        await transact(deps.dynamo.doc, [
          tenants.update(tenantId, next, at, before.tenant),
          audit.put(scope, { actor, action: 'tenant.updated', target: tenantId, details })
        ])
      } catch (err) {
        // Changed (or deleted) since we read it: the audit's "from" would be stale, so nothing was written; retry.
        // The failed condition returned the record if it still exists (tenants.update), so no second read.
        if (err instanceof TransactionCancelled && err.failedAt(0)) throw err.itemAt(0)?.PK !== undefined ? new ConcurrentChangeError('tenant') : new NotFoundError('Tenant')
        throw err
      }
      deps.evictTenant?.(tenantId)
      // The condition held, so the record was `before` until this write, which set exactly these fields: what is stored
      // now, without reading it back (a read could also return a later writer's state as ours).
      const updated: Tenant = { ...before.tenant, updatedAt: at }
      if (next.name !== undefined) updated.name = next.name
      if (next.status !== undefined) updated.status = next.status
      return updated
    }
  }
}
