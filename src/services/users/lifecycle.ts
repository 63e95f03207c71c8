// A membership's life after the invite: roles, status (disable/enable), removal and revocation, invitation renewal.
import { TENANT_GROUPS, type Invitation, type TenantGroup } from '../../domain/model.js'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { ConflictError, NotFoundError } from '../../domain/errors.js'
import type { MembershipRecord } from '../../repositories/memberships.js'
import type { Actor, UsersContext } from './context.js'
import { actorIdOf } from '../../repositories/audit.js'
import type { AccountKeeping } from './account.js'

/** An invitation to a person who had an account before it: this tenant holds no standing over that account yet. */
const invitedOnly = (m: MembershipRecord) =>
  (m.status === 'invited' || (m.status === 'disabled' && m.statusBeforeDisable === 'invited')) && m.invitation?.createdUser === false

export function membershipLifecycle (ctx: UsersContext, account: AccountKeeping) {
  const { cognito, ledger, memberOf, evict, now } = ctx

  return {
    /** Grant: the membership alone holds tenant roles. A membership with the group already has it: nothing to do. */
    async addGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (m.groups.includes(group)) return
      const groups = TENANT_GROUPS.filter(g => g === group || m.groups.includes(g))
      await ledger.change(scope, m, { groups }, { actor, action: 'user.group_added', target: userId, details: { group } })
      evict(userId)
    },

    /** Revoke: the membership (the last-admin guard runs in the same transaction); refused at once on this instance. */
    async removeGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (!m.groups.includes(group)) return
      const groups = m.groups.filter(g => g !== group)
      if (groups.length === 0) throw new ConflictError('A user keeps at least one group; remove the user instead')
      await ledger.change(scope, m, { groups }, { actor, action: 'user.group_removed', target: userId, details: { group } })
      evict(userId)
    },

    /**
     * Disables or re-enables the membership in this tenant, then brings the Cognito account in line with all the
     * person's memberships (account.reconcile): it is disabled only when no tenant holds a live one, so no tenant's
     * change undoes another's. An invitation to a person who already had an account gives this tenant no say over it:
     * 409, revoke it instead. The membership is marked `cognitoPending` until Cognito is in line, so a retry after a
     * partial failure completes it; a status the user already has, with nothing pending, makes no Cognito call.
     */
    async setStatus (scope: TenantScope, userId: string, status: 'disabled' | 'active', actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (invitedOnly(m)) throw new ConflictError('This person had an account before your invitation: revoke the invitation instead')
      if (status === 'disabled' && m.status !== 'disabled') {
        // Tokens issued up to now stay refused after a later re-enable (the +1 covers iat's one-second granularity).
        const tokensValidAfter = Math.floor(now().getTime() / 1000) + 1
        await ledger.change(scope, m, { status: 'disabled', statusBeforeDisable: m.status, tokensValidAfter, cognitoPending: 'sync' }, { actor, action: 'user.disabled', target: userId })
        evict(userId)
      } else if (status === 'active' && m.status === 'disabled') {
        // Tokens issued before tokensValidAfter (the second after the disable) stay refused. No token can be issued while
        // Cognito has the user disabled, so a re-enable in the disable's own second waits for the next one (under 1 s)
        // before enabling: a sign-in right after it then gets a token issued at or after the bar, not one refused for
        // its whole life, and the sessions from before the disable stay dead.
        const wait = m.tokensValidAfter === undefined ? 0 : m.tokensValidAfter * 1000 - now().getTime()
        if (wait > 0) await ctx.sleep(Math.min(wait, 1000))
        const restored = m.statusBeforeDisable && m.statusBeforeDisable !== 'disabled' ? m.statusBeforeDisable : 'active'
        await ledger.change(scope, m, { status: restored, statusBeforeDisable: undefined, cognitoPending: 'sync' }, { actor, action: 'user.enabled', target: userId })
        evict(userId)
      } else if (m.cognitoPending === undefined) {
        return
      }
      await account.reconcile(scope, userId, m.cognitoUsername)
      await ledger.clearCognitoPending(scope, userId)
    },

    /**
     * Removal from this tenant, or revocation of a pending invitation (account.end): the person keeps their account
     * and their other tenants while any membership remains; with the last one the account goes, on every path.
     */
    async remove (scope: TenantScope, userId: string, actor: Actor): Promise<void> {
      const m = await ledger.getRecord(scope, userId)
      if (!m) throw new NotFoundError('User')
      const pending = m.status === 'invited' || (m.removing === true && m.statusBeforeDisable === 'invited')
      await account.end(scope, m, { actor, action: pending ? 'user.invitation_revoked' : 'user.removed' })
    },

    /**
     * Renews a pending invitation (expiresAt from now) and, while the person has never signed in (Cognito:
     * FORCE_CHANGE_PASSWORD), has Cognito send the temporary password again. 409 once the invitation is accepted.
     */
    async resendInvitation (scope: TenantScope, userId: string, actor: Actor): Promise<Invitation> {
      const m = await memberOf(scope, userId)
      if (m.status !== 'invited') throw new ConflictError('The user has already accepted the invitation')
      const pool = cognito.forTenant(scope.tenantId)
      const user = await pool.getUser(m.cognitoUsername)
      if (!user) throw new ConflictError('The user has no account any more; remove and invite them again')
      if (user.status === 'FORCE_CHANGE_PASSWORD') {
        try {
          await pool.resendInvitation(m.cognitoUsername)
        } catch (err) {
          // Signed in meanwhile: the password is theirs now; the renewal below still applies.
          if ((err as Error).name !== 'UnsupportedUserStateException') throw err
        }
      }
      const invitation: Invitation = { ...(m.invitation ?? { invitedAt: m.createdAt, invitedBy: actorIdOf(actor), createdUser: true }), expiresAt: ctx.expiresAt() }
      await ledger.change(scope, m, { invitation }, { actor, action: 'user.invitation_resent', target: userId, details: { expiresAt: invitation.expiresAt } })
      evict(userId)
      return invitation
    }
  }
}
