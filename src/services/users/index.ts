// User management across Cognito and DynamoDB, ordered so that the two never drift: inviting, the membership
// lifecycle, and the account that follows all of a person's memberships. One Cognito user per person; tenant roles
// live only in the membership.
import type { Invitation, Membership } from '../../domain/model.js'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { usersContext, type TenantUsersDeps } from './context.js'
import { accountKeeping } from './account.js'
import { inviting } from './inviting.js'
import { membershipLifecycle } from './lifecycle.js'
import { tenantsRepository } from '../../repositories/tenants.js'

export { DEFAULT_INVITATION_TTL_SECONDS, type Actor, type TenantUsersDeps } from './context.js'
export { PENDING_CLAIM_LEASE_MS, type CallerItems } from './inviting.js'

export function createTenantUsers (deps: TenantUsersDeps) {
  const ctx = usersContext(deps)
  const account = accountKeeping(ctx)
  const lifecycle = membershipLifecycle(ctx, account)
  const invites = inviting(ctx, account)
  const tenants = tenantsRepository(deps.dynamo)
  /** The notice to a person whose account existed before the invitation (createdUser false); never throws. */
  async function notify (tenantId: string, email: string, invitation: Invitation | undefined): Promise<void> {
    if (deps.notices === undefined || invitation?.createdUser !== false) return
    const tenant = await tenants.get(tenantId).catch(() => null)
    await deps.notices.invited({ email, tenantId, tenantName: tenant?.name, expiresAt: invitation.expiresAt })
  }
  return {
    ...invites,
    ...lifecycle,

    /**
     * inviting's invite, then (committed: never inside its transaction) the notice to a person who already had an
     * account: Cognito emails only the people it creates. A failed notice does not fail the invite (notices log it).
     */
    async invite (...args: Parameters<typeof invites.invite>): Promise<Membership> {
      const m = await invites.invite(...args)
      await notify(m.tenantId, m.email, m.invitation)
      return m
    },

    /** lifecycle's renewal, then the notice again for a person Cognito does not write to (Cognito resends the others'). */
    async resendInvitation (...args: Parameters<typeof lifecycle.resendInvitation>): Promise<Invitation> {
      const invitation = await lifecycle.resendInvitation(...args)
      const m = await ctx.ledger.getRecord(args[0], args[1]).catch(() => null)
      if (m) await notify(m.tenantId, m.email, invitation)
      return invitation
    },
    get: ctx.memberOf,

    /** A membership being removed is gone for the API: the listing leaves it out, as get answers 404 for it. */
    async list (scope: TenantScope, page: { limit: number, cursor?: string }) {
      const found = await ctx.ledger.list(scope, page)
      return { ...found, items: found.items.filter(m => m.removing !== true) }
    },

    /** The person's membership here, if any (not being removed): an operator's appointment looks it up by address. */
    async findByEmail (scope: TenantScope, email: string): Promise<Membership | null> {
      const claim = await ctx.emails.get(email)
      if (claim?.status !== 'user' || claim.userId === undefined) return null
      const m = await ctx.ledger.getRecord(scope, claim.userId)
      return m && !m.removing ? m : null
    },

    /** The invitee declines: their membership ends like a revocation (with their last membership, their account). */
    async decline (scope: TenantScope, m: Parameters<typeof account.end>[1]): Promise<void> {
      await account.end(scope, m, { actor: m.userId, action: 'user.invitation_declined' })
    },

    /** The member leaves: their membership ends like a removal (last-admin guard; with their last membership, their account). */
    async leave (scope: TenantScope, m: Parameters<typeof account.end>[1]): Promise<void> {
      await account.end(scope, m, { actor: m.userId, action: 'user.left' })
    }
  }
}
export type TenantUsers = ReturnType<typeof createTenantUsers>
