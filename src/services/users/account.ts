// The person's Cognito account follows all their memberships: enabled while any tenant holds a live one, deleted with the last.
import type { TenantScope } from '../../domain/tenant-scope.js'
import type { Account } from '../../repositories/accounts.js'
import type { MembershipRecord } from '../../repositories/memberships.js'
import type { AuditAction } from '../../repositories/audit.js'
import { isLive } from './ledger.js'
import type { Actor, UsersContext } from './context.js'

export function accountKeeping (ctx: UsersContext) {
  const { cognito, accounts, reads, ledger, now } = ctx

  async function platformAdmin (tenantId: string, username: string): Promise<boolean> {
    try {
      return (await cognito.forTenant(tenantId).listGroups(username)).includes('platform-admins')
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return false
      throw err
    }
  }

  /**
   * Whether any tenant holds a live membership of the person. The account record's count decides (strongly
   * consistent); GSI1 is asked too before saying no, for records written before the counts existed (until the
   * backfill has run): a live membership there keeps the account enabled. Erring that way only delays a disable.
   */
  async function anyLive (userId: string, account: Account | null): Promise<boolean> {
    if (account !== null && account.live > 0) return true
    return (await reads.findByUser(userId)).some(m => isLive(m))
  }

  /**
   * Brings the Cognito account's enabled state in line with all the person's memberships: disabled exactly when no
   * tenant holds a live one and the person is no platform admin. No tenant's disable or enable decides alone, so none
   * undoes another's. The counts are read again after a Cognito call: two changes in two tenants at once both end in
   * the state the last of them committed (that read is DynamoDB only, unless the wanted state moved meanwhile).
   */
  async function reconcile (scope: TenantScope, userId: string, username: string): Promise<void> {
    const pool = cognito.forTenant(scope.tenantId)
    let admin: boolean | undefined
    let applied: boolean | undefined
    for (let round = 0; round < 3; round++) {
      const account = await accounts.get(userId)
      if (account?.deleting !== undefined) return
      const wanted = await anyLive(userId, account) || (admin ??= await platformAdmin(scope.tenantId, username))
      // Unchanged since this call last set Cognito: in line (a later change runs its own reconcile).
      if (wanted === applied) return
      const user = await pool.getUser(username)
      if (user === null) return
      if (user.enabled !== wanted) {
        if (wanted) {
          await pool.enableUser(username)
        } else {
          // Revokes the refresh tokens too (AdminDisableUser alone leaves them valid until re-enabled).
          await pool.globalSignOut(username)
          await pool.disableUser(username)
        }
      } else if (round === 0) {
        return
      }
      applied = wanted
    }
  }

  return {
    platformAdmin,
    reconcile,

    /**
     * Ends membership `m`: 1) marked removing and disabled (refused at once, left out of listings; last-admin guard),
     * with the audit entry, the decision itself; a retry finds it removing, skips this and resumes. 2) The account goes
     * with its last membership, on every path (removal, revoked or declined invitation), unless the person is a
     * platform admin: the decision is a conditional write on the account record (it holds only while `m` is the one
     * membership), after which no invite can join the account, then AdminDeleteUser (which ends every session).
     * 3) The membership goes, and with the account its records; otherwise Cognito is brought in line with what is left.
     */
    async end (scope: TenantScope, m: MembershipRecord, entry: { actor: Actor, action: AuditAction }): Promise<void> {
      if (!m.removing) {
        // A member an admin removed stays out (removal mark) until invited again: no domain policy or SSO brings them back.
        const mark = entry.action === 'user.removed' ? [ledger.removedMark(scope.tenantId, m.email, now().toISOString())] : []
        await ledger.change(scope, m, { removing: true, status: 'disabled', statusBeforeDisable: m.status === 'disabled' ? m.statusBeforeDisable : m.status },
          { ...entry, target: m.userId, details: { email: m.email, groups: m.groups } }, mark)
        ctx.evict(m.userId)
      }
      const account = await accounts.get(m.userId)
      let goes = account?.deleting !== undefined
      if (!goes) {
        const others = (await reads.findByUser(m.userId)).some(o => o.tenantId !== scope.tenantId)
        goes = !others && (account === null || account.memberships <= 1) && !(await platformAdmin(scope.tenantId, m.cognitoUsername)) &&
          await ledger.claimAccountDeletion(m)
      }
      if (goes) await cognito.forTenant(scope.tenantId).deleteUser(m.cognitoUsername)
      await ledger.end(scope, m, goes ? { emails: [m.email, ...(account?.email !== undefined ? [account.email] : [])] } : null)
      if (!goes) await reconcile(scope, m.userId, m.cognitoUsername)
    }
  }
}
export type AccountKeeping = ReturnType<typeof accountKeeping>
