// The caller's own memberships: list their pending invitations, accept one, decline one; leave a tenant.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Invitation, TenantGroup } from '../domain/model.js'
import { mintTenantScope, type TenantScope } from '../domain/tenant-scope.js'
import { ConcurrentChangeError, ConflictError, ForbiddenError, InvitationExpiredError, NotFoundError } from '../domain/errors.js'
import { membershipReads, membershipWrites, type MembershipRecord } from '../repositories/memberships.js'
import { tenantsRepository } from '../repositories/tenants.js'
import { invitationExpired } from '../domain/membership.js'
import { membershipLedger } from './users/ledger.js'
import type { TenantUsers } from './users/index.js'
import { domainJoining } from './users/domain-join.js'
import { holdsAddress } from './users/context.js'
import { accountsRepository } from '../repositories/accounts.js'
import type { UserPoolClient } from '../cognito/user-pool.js'

export interface InvitationsDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  /** Ends a declined invitation as a revocation does (with the person's last membership, their account). */
  tenantUsers: Pick<TenantUsers, 'decline' | 'leave'>
  /** Confirms the account's current address before a domain suggestion is accepted. */
  cognito: Pick<UserPoolClient, 'getUser'>
  /** Drops the user's cached resolutions on this instance (plugins/tenant), so an acceptance opens the tenant at once. */
  evictMembership?: (userId: string) => void
  now?: () => Date
}

export interface PendingInvitation {
  tenantId: string
  name: string
  groups: TenantGroup[]
  invitedAt: string
  expiresAt: string
  invitedBy: string
}

/** A tenant offered through the verified domain of the caller's address (its policy: suggest or join). */
export interface Suggestion { tenantId: string, name: string, domain: string }

export interface AcceptedMembership { tenantId: string, name: string, groups: TenantGroup[], status: 'active' }

export function createInvitations (deps: InvitationsDeps) {
  const reads = membershipReads(deps.dynamo)
  const writes = membershipWrites(deps.dynamo)
  const tenantReads = tenantsRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const ledger = membershipLedger({ dynamo: deps.dynamo, now })
  const joining = domainJoining({ dynamo: deps.dynamo, now })
  const accounts = accountsRepository(deps.dynamo)

  /** The tenant the caller's address offers, with the address Cognito holds for them now (never a stale copy). */
  async function offerTo (userId: string) {
    const account = await accounts.get(userId)
    if (account?.email === undefined || account.username === undefined) return null
    const offer = await joining.offerFor(userId, account.email)
    return offer === null ? null : { offer, account: { userId, username: account.username, email: account.email } }
  }

  /**
   * The scope of the caller's own membership in a tenant named by the path. Minted here, and only here for this
   * purpose: the tenant id comes from the request, but it is only ever used together with the caller's verified user
   * id, so the one item it can reach is the caller's own membership (and that tenant's audit trail, written alongside).
   */
  function ownScope (tenantId: string): TenantScope {
    return mintTenantScope(tenantId)
  }

  /** The caller's pending invitation into the tenant; the same 404 whether the tenant exists or not. */
  async function pending (tenantId: string, userId: string): Promise<{ scope: TenantScope, m: MembershipRecord & { invitation: Invitation } }> {
    const scope = ownScope(tenantId)
    const m = await writes.getRecord(scope, userId)
    if (!m || m.removing || m.status !== 'invited' || m.invitation === undefined) throw new NotFoundError('Invitation')
    return { scope, m: m as MembershipRecord & { invitation: Invitation } }
  }

  return {
    /** Every invitation the caller can still accept: invited memberships whose invitation has not expired, newest first. */
    async list (userId: string): Promise<PendingInvitation[]> {
      const nowMs = now().getTime()
      const open = (await reads.findByUser(userId)).filter(m => m.status === 'invited' && m.invitation !== undefined && !invitationExpired(m.invitation, nowMs))
      const tenants = await tenantReads.getMany(open.map(m => m.tenantId))
      return open
        .filter(m => tenants.has(m.tenantId))
        .map(m => {
          const invitation = m.invitation as Invitation
          return { tenantId: m.tenantId, name: tenants.get(m.tenantId)!.name, groups: [...m.groups], invitedAt: invitation.invitedAt, expiresAt: invitation.expiresAt, invitedBy: invitation.invitedBy }
        })
        .sort((a, b) => b.invitedAt.localeCompare(a.invitedAt) || a.tenantId.localeCompare(b.tenantId))
    },

    /** The tenant the caller's verified domain offers them, if any (at most one: an address has one domain). */
    async suggestions (userId: string): Promise<Suggestion[]> {
      const found = await offerTo(userId)
      return found === null ? [] : [{ tenantId: found.offer.tenantId, name: found.offer.name, domain: found.offer.domain }]
    },

    /**
     * invited → active, audited in that tenant (an admin starts counting); 410 once expired, 403 while the tenant is
     * suspended. Without an invitation, a tenant the caller's verified domain offers is joined as a member, once Cognito
     * confirms the address is still the account's.
     */
    async accept (userId: string, tenantId: string): Promise<AcceptedMembership> {
      const invited = await writes.getRecord(ownScope(tenantId), userId)
      if (invited === null) {
        const found = await offerTo(userId)
        const user = found === null || found.offer.tenantId !== tenantId ? null : await deps.cognito.getUser(found.account.username)
        if (found === null || user === null || user.userId !== userId || !holdsAddress(user, found.account.email)) throw new NotFoundError('Invitation')
        await joining.join(found.account, found.offer)
        deps.evictMembership?.(userId)
        return { tenantId, name: found.offer.name, groups: ['members'], status: 'active' }
      }
      const { scope, m } = await pending(tenantId, userId)
      if (invitationExpired(m.invitation, now().getTime())) throw new InvitationExpiredError()
      const tenant = await tenantReads.get(tenantId, { consistent: true })
      if (!tenant) throw new NotFoundError('Invitation')
      if (tenant.status !== 'active') throw new ForbiddenError('The tenant is suspended')
      try {
        await ledger.change(scope, m, { status: 'active', invitation: undefined }, { actor: userId, action: 'user.invitation_accepted', target: userId, details: { groups: m.groups } })
      } catch (err) {
        if (err instanceof ConcurrentChangeError) throw new ConcurrentChangeError('invitation')
        throw err
      }
      deps.evictMembership?.(userId)
      return { tenantId, name: tenant.name, groups: [...m.groups], status: 'active' }
    },

    /** Declined: the membership ends as a revoked invitation does, audited in that tenant; never counted as an admin. */
    async decline (userId: string, tenantId: string): Promise<void> {
      const { scope, m } = await pending(tenantId, userId)
      await deps.tenantUsers.decline(scope, m)
      deps.evictMembership?.(userId)
    },

    /**
     * The caller leaves a tenant they belong to (active or disabled): ended as a removal is (with their last membership,
     * their account goes), audited user.left; the tenant's last active admin is refused (409, the last-admin guard).
     * A pending invitation is declined instead; the same 404 whether the tenant exists or not.
     */
    async leave (userId: string, tenantId: string): Promise<void> {
      const scope = ownScope(tenantId)
      const m = await writes.getRecord(scope, userId)
      if (!m) throw new NotFoundError('Membership')
      if (!m.removing && m.status === 'invited') throw new ConflictError('This is a pending invitation: decline it instead')
      await deps.tenantUsers.leave(scope, m)
      deps.evictMembership?.(userId)
    }
  }
}
export type Invitations = ReturnType<typeof createInvitations>
