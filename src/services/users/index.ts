// User management across Cognito and DynamoDB, ordered so that the two never drift: inviting, the membership
// lifecycle, and the account that follows all of a person's memberships. One Cognito user per person; tenant roles
// live only in the membership.
import type { Membership } from '../../domain/model.js'
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
  return {
    ...invites,

    /**
     * inviting's invite, then (committed: never inside its transaction) the notice to a person who already had an
     * account: Cognito emails only the people it creates. A failed notice does not fail the invite (notices log it).
     */
    async invite (...args: Parameters<typeof invites.invite>): Promise<Membership> {
      const m = await invites.invite(...args)
      if (deps.notices !== undefined && m.invitation?.createdUser === false) {
        const tenant = await tenants.get(m.tenantId).catch(() => null)
        await deps.notices.invited({ email: m.email, tenantId: m.tenantId, tenantName: tenant?.name, expiresAt: m.invitation.expiresAt })
      }
      return m
    },
    ...lifecycle,
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
