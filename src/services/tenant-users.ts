// User management across Cognito and DynamoDB: invite, group change, disable/enable, removal, resend; ordered so that the two never drift.
// One Cognito user per person, any number of memberships: tenant roles live only in the membership.
import { setTimeout as delay } from 'node:timers/promises'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { UserPoolClient, CognitoUser } from '../cognito/user-pool.js'
import { TENANT_GROUPS, type Invitation, type Membership, type TenantGroup } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import {
  BadRequestError, AlreadyMemberError, ConcurrentChangeError, ConflictError, EmailUnavailableError, InviteUnderWayError, LastAdminError, NotFoundError
} from '../domain/errors.js'
import { assertEmail, normalizeEmail } from '../repositories/keys.js'
import { membershipsRepository, membershipWrites, type EmailClaim, type MembershipRecord, type MembershipChange } from '../repositories/memberships.js'
import { tenantWrites } from '../repositories/tenants.js'
import { auditRepository, type AuditInput } from '../repositories/audit.js'
import { transact, TransactionCancelled, type TransactItem } from '../repositories/transact.js'

/**
 * Test-only fault injection between the steps of a multi-system write. Each hook may throw to simulate a crash or
 * an outage at that point; production code never sets them.
 */
export interface TenantUsersFaults {
  /** Invite: after the pending claim (step 1), before Cognito. */
  afterClaim?: () => Promise<void> | void
  /** Invite: after the Cognito user exists (step 2), before the membership (step 3). */
  afterCognito?: () => Promise<void> | void
  /** Removal: after the membership is marked removing, before Cognito deletes the user. */
  beforeCognitoDelete?: () => Promise<void> | void
  /** Removal: after Cognito deleted the user, before the membership and the claim go. */
  afterCognitoDelete?: () => Promise<void> | void
}

/**
 * A caller's own items for the invite's first write (the tenant record and its audit entry at onboarding). Called with
 * `adminCounted` true when they go in the same transaction as an admin's membership: then they must count that admin
 * on the tenant item themselves, since one transaction cannot write that item twice.
 */
export type CallerItems = (adminCounted: boolean) => TransactItem[]

export interface TenantUsersDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  cognito: UserPoolClient
  /** Drops a user's cached membership on this instance, so a revocation takes effect at once (plugins/tenant). */
  evictMembership?: (userId: string) => void
  faults?: TenantUsersFaults
  /** How long an invitation can be accepted (INVITATION_TTL_SECONDS); a week by default. */
  invitationTtlSeconds?: number
  /** How long an invite waits for another tenant's invite of the same address to find or create its user. */
  claimWaitMs?: number
  now?: () => Date
  /** Waits that many milliseconds (default: a timer); injectable with `now`. */
  sleep?: (ms: number) => Promise<void>
}

export type Actor = string

/** Cognito rejections that prove the call changed nothing (vs. throttling, timeouts, 5xx: outcome unknown). */
function isDefiniteRejection (err: unknown): boolean {
  const e = err as { $fault?: string, statusCode?: number, name?: string }
  return e.$fault === 'client' && e.name !== 'TooManyRequestsException'
}

function normalizeGroups (groups: readonly string[] | undefined): TenantGroup[] {
  const wanted = groups && groups.length > 0 ? groups : ['members']
  // Only the tenant groups pass: platform-admins is never granted through a tenant (schemas reject it earlier too).
  return TENANT_GROUPS.filter(g => wanted.includes(g))
}

/**
 * How long a pending claim belongs to the invite that wrote it. Within it, an invite of the same address with other
 * groups is refused at step 1 (it would otherwise add its groups to the same Cognito user); after it, the attempt is
 * taken as given up and a new invite may take the claim over. Far above any one request's duration (requestTimeout 30 s).
 */
export const PENDING_CLAIM_LEASE_MS = 120_000
/** The default INVITATION_TTL_SECONDS: a week. */
export const DEFAULT_INVITATION_TTL_SECONDS = 604_800

const isAdmin = (m: Pick<Membership, 'groups'>) => m.groups.includes('admins')
/** Admins that count towards the tenant's adminCount: not disabled, not being removed. */
const countsAsAdmin = (m: MembershipRecord) => isAdmin(m) && m.status !== 'disabled' && m.removing !== true

export function createTenantUsers (deps: TenantUsersDeps) {
  const { cognito, faults = {} } = deps
  const memberships = membershipWrites(deps.dynamo)
  const reads = membershipsRepository(deps.dynamo)
  const tenants = tenantWrites(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const sleep = deps.sleep ?? (async (ms: number) => { await delay(ms) })
  const ttlMs = (deps.invitationTtlSeconds ?? DEFAULT_INVITATION_TTL_SECONDS) * 1000
  const claimWaitMs = deps.claimWaitMs ?? 5000
  const evict = (userId: string) => deps.evictMembership?.(userId)
  const run = (items: Array<TransactItem | null | false | undefined>) => transact(deps.dynamo.doc, items)
  const expiresAt = () => new Date(now().getTime() + ttlMs).toISOString()

  /** A tenant admin addresses only members of their own tenant: read in the scope's partition before any Cognito call. */
  async function memberOf (scope: TenantScope, userId: string): Promise<MembershipRecord> {
    const m = await memberships.getRecord(scope, userId)
    if (!m || m.removing) throw new NotFoundError('User')
    return m
  }

  /**
   * Runs a membership change with its audit entry and the tenant's adminCount adjustment, derived here from before and
   * after (so no caller can get it wrong). A lost optimistic lock is a 409 to retry, a failed admin guard the last-admin 409.
   */
  async function applyChange (scope: TenantScope, m: MembershipRecord, next: MembershipChange, entry: AuditInput) {
    const adminDelta = Number(countsAsAdmin({ ...m, ...next })) - Number(countsAsAdmin(m)) as -1 | 0 | 1
    try {
      await run([
        memberships.change(scope, m, next, now().toISOString()),
        adminDelta !== 0 && tenants.adjustAdminCount(scope.tenantId, adminDelta),
        audit.put(scope, entry)
      ])
    } catch (err) {
      if (err instanceof TransactionCancelled) {
        if (adminDelta < 0 && err.failedAt(1)) throw new LastAdminError()
        if (err.failedAt(0)) throw new ConcurrentChangeError('user')
      }
      throw err
    }
  }

  /** Rolls step 1 back and refuses the address, without saying why. */
  async function unavailable (scope: TenantScope, email: string): Promise<never> {
    await memberships.releasePendingClaim(scope, email)
    throw new EmailUnavailableError()
  }

  /** Whether an invitation of this tenant created the account: its home tenant, and nobody has chosen a password yet. */
  const createdHere = (scope: TenantScope, user: CognitoUser) => user.tenantId === scope.tenantId && user.status === 'FORCE_CHANGE_PASSWORD'

  /**
   * Invite step 2's user, under this invite's pending claim: a new one (AdminCreateUser, home tenant this one), or the
   * user that already has the address, if its email is verified (a member elsewhere, a platform admin, or the user an
   * earlier attempt of this invite created). An UNCONFIRMED user is a self sign-up nobody confirmed: never invited
   * (AdminCreateUser never makes one) and without membership (we hold the pending claim), so it neither blocks the
   * address nor is handed to the invitee, whose account its creator would know the password of; it is deleted and the
   * invited user created. A user whose email is not verified is never adopted: nobody has shown it is theirs.
   */
  async function createOrAdopt (scope: TenantScope, email: string): Promise<{ user: CognitoUser, createdUser: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { user: await cognito.forTenant(scope.tenantId).createUser({ email, tenantId: scope.tenantId }), createdUser: true }
      } catch (err) {
        if ((err as Error).name !== 'UsernameExistsException') {
          if (isDefiniteRejection(err)) {
            await memberships.releasePendingClaim(scope, email)
            // Cognito refused the address itself (its rules are wider than ours to check): the caller's input, not our fault.
            if ((err as Error).name === 'InvalidParameterException') throw new BadRequestError('The email address was not accepted')
          }
          throw err
        }
      }
      const existing = await cognito.forTenant(scope.tenantId).getUser(email)
      if (existing && existing.status !== 'UNCONFIRMED') {
        if (existing.emailVerified) return { user: existing, createdUser: createdHere(scope, existing) }
        return await unavailable(scope, email)
      }
      // Gone meanwhile, or an unconfirmed sign-up: (once more) create the invited user in its place.
      if (attempt > 0) return await unavailable(scope, email)
      if (existing) await cognito.forTenant(scope.tenantId).deleteUser(existing.username)
    }
  }

  /** The email record once no invite of another tenant is between its steps: waits (bounded) for such an invite to finish. */
  async function settledClaim (scope: TenantScope, email: string): Promise<EmailClaim | null> {
    const until = Date.now() + claimWaitMs
    for (;;) {
      const claim = await memberships.getClaim(email)
      if (claim?.status !== 'pending') return claim
      if (claim.tenantId === scope.tenantId) throw new ConflictError('An invitation of this address with other groups is under way; retry later')
      if (Date.parse(claim.createdAt) < now().getTime() - PENDING_CLAIM_LEASE_MS) return claim
      if (Date.now() >= until) throw new InviteUnderWayError()
      await delay(100)
    }
  }

  const invitationOf = (actor: Actor, createdUser: boolean, at: string): Invitation => ({ invitedAt: at, invitedBy: actor, expiresAt: expiresAt(), createdUser })

  /** Writes the membership of a person whose Cognito user the email record names (no pending claim involved). */
  async function joinExisting (scope: TenantScope, claim: EmailClaim, input: { email: string, groups: TenantGroup[], actor: Actor }, extra?: CallerItems): Promise<Membership | 'stale'> {
    const userId = claim.userId as string
    // Already a member here, in any status: answered from DynamoDB, before Cognito is asked anything.
    if (await memberships.getRecord(scope, userId)) throw new AlreadyMemberError()
    const user = await cognito.forTenant(scope.tenantId).getUser(claim.username ?? userId)
    if (!user) return 'stale'
    if (!user.emailVerified || user.status === 'UNCONFIRMED') throw new EmailUnavailableError()
    const at = now().toISOString()
    const invitation = invitationOf(input.actor, createdHere(scope, user), at)
    const member: MembershipRecord = { tenantId: scope.tenantId, userId, email: input.email, groups: input.groups, status: 'invited', createdAt: at, updatedAt: at, cognitoUsername: user.username, invitation }
    // The caller's items (the tenant record at onboarding) go in the same transaction, ahead of ours, and count this
    // admin themselves: the admin count is on the tenant item, which one transaction cannot update twice. So either
    // the tenant and its admin's membership both exist, or neither does. A failure of theirs reads failedAt(i).
    const own = extra?.(isAdmin(member)) ?? []
    try {
      await run([
        ...own,
        ...memberships.joinExisting(scope, member),
        own.length === 0 && isAdmin(member) && tenants.adjustAdminCount(scope.tenantId, 1),
        audit.put(scope, { actor: input.actor, action: 'user.invited', target: userId, details: { email: input.email, groups: input.groups } })
      ])
    } catch (err) {
      if (err instanceof TransactionCancelled && err.failedAt(own.length)) throw new AlreadyMemberError()
      if (err instanceof TransactionCancelled && err.failedAt(own.length + 1)) throw new ConcurrentChangeError('email address')
      throw err
    }
    const { cognitoUsername: _u, ...result } = member
    return result
  }

  /**
   * Whether the removal of membership `m` also deletes the person's Cognito user: only when no other membership
   * remains and the person is not a platform admin; for a pending invitation, only when that invitation created the
   * account and nobody ever signed in with it. Read again by a retried removal: once the user is gone, it is gone.
   */
  async function accountGoes (scope: TenantScope, m: MembershipRecord): Promise<boolean> {
    const others = (await reads.findByUser(m.userId)).filter(o => o.tenantId !== scope.tenantId)
    if (others.length > 0) return false
    const pool = cognito.forTenant(scope.tenantId)
    if (m.invitation !== undefined || m.status === 'invited' || m.statusBeforeDisable === 'invited') {
      if (m.invitation?.createdUser === false) return false
      const user = await pool.getUser(m.cognitoUsername)
      return user === null || user.status === 'FORCE_CHANGE_PASSWORD'
    }
    return !(await platformAdmin(scope, m.cognitoUsername))
  }

  async function platformAdmin (scope: TenantScope, username: string): Promise<boolean> {
    try {
      return (await cognito.forTenant(scope.tenantId).listGroups(username)).includes('platform-admins')
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return false
      throw err
    }
  }

  return {
    /**
     * Invites a person into the tenant. The email record (EMAIL#<address>) maps the address to its Cognito user:
     *  - It names a user: a member here already (any status) is a 409; otherwise the membership is written `invited`
     *    (createdUser false: the person accepts it through /me/invitations), no Cognito write; `extra` items go in
     *    that same transaction (an onboarded tenant never exists without its admin's membership).
     *  - It names none: 1. claim it as `pending` for this invite (conditional; `extra` items, the tenant record at
     *    onboarding, go in the same transaction, ahead of the claim: a TransactionCancelled rethrown for one of them
     *    reads `failedAt(i)` for the caller's `extra[i]`); an invite of another tenant under way is waited for, then
     *    joined as above. 2. Cognito: AdminCreateUser (createdUser true: the first request accepts it) or the existing
     *    verified user (createOrAdopt). 3. the membership and the record turned `user`, the admin count and the audit
     *    entry, in one transaction.
     * A failure after step 1 with an unknown Cognito outcome, or after step 2, leaves the claim `pending`: the same
     * invite retried completes it (step 1 accepts its own pending claim, step 2 finds the user). A definite Cognito
     * rejection in step 2 rolls step 1 back.
     */
    async invite (scope: TenantScope, input: { email: string, groups?: readonly string[], actor: Actor }, extra?: CallerItems): Promise<Membership> {
      const email = assertEmail(normalizeEmail(input.email))
      const groups = normalizeGroups(input.groups)
      const wanted = { email, groups, actor: input.actor }

      for (let round = 0; round < 3; round++) {
        let claim = await memberships.getClaim(email)
        if (claim?.status !== 'user') {
          const at = now().toISOString()
          const own = extra?.(false) ?? []
          try {
            const staleBefore = new Date(now().getTime() - PENDING_CLAIM_LEASE_MS).toISOString()
            await run([...own, memberships.claimPending(scope, email, groups, at, staleBefore)])
            claim = null
          } catch (err) {
            // Anything else (contention or throttling: retryable, 503; a condition of an `extra` item: the caller's to map).
            if (!(err instanceof TransactionCancelled && err.failedAt(own.length))) throw err
            claim = await settledClaim(scope, email)
            if (claim?.status !== 'user') continue
          }
        }
        if (claim?.status === 'user' && claim.userId !== undefined) {
          const joined = await joinExisting(scope, claim, wanted, extra)
          if (joined !== 'stale') return joined
          // The record names a user Cognito no longer has (drift): drop it and start over.
          await memberships.dropStaleClaim(email, claim.userId)
          continue
        }
        return await completeWithClaim(scope, wanted)
      }
      throw new ConcurrentChangeError('email address')
    },

    get: memberOf,

    /** A membership being removed is gone for the API: the listing leaves it out, as get answers 404 for it. */
    async list (scope: TenantScope, page: { limit: number, cursor?: string }) {
      const found = await memberships.list(scope, page)
      return { ...found, items: found.items.filter(m => m.removing !== true) }
    },

    /** Grant: the membership alone holds tenant roles. A membership with the group already has it: nothing to do. */
    async addGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (m.groups.includes(group)) return
      const groups = TENANT_GROUPS.filter(g => g === group || m.groups.includes(g))
      await applyChange(scope, m, { groups }, { actor, action: 'user.group_added', target: userId, details: { group } })
      evict(userId)
    },

    /** Revoke: the membership (the last-admin guard runs in the same transaction); refused at once on this instance. */
    async removeGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (!m.groups.includes(group)) return
      const groups = m.groups.filter(g => g !== group)
      if (groups.length === 0) throw new ConflictError('A user keeps at least one group; remove the user instead')
      await applyChange(scope, m, { groups }, { actor, action: 'user.group_removed', target: userId, details: { group } })
      evict(userId)
    },

    /**
     * disabled: the membership in this tenant first (refused at once, last-admin guard; marked cognitoPending); then,
     * only if the person has no other active membership and is not a platform admin, global sign-out and
     * AdminDisableUser; then the mark is cleared. Other tenants are never touched. active: AdminEnableUser first (a
     * no-op when Cognito has the user enabled), then the membership. A retry after a partial failure repeats the
     * idempotent Cognito calls and skips what is done; a status the user already has makes no Cognito call.
     */
    async setStatus (scope: TenantScope, userId: string, status: 'disabled' | 'active', actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (status === 'disabled') {
        if (m.status !== 'disabled') {
          // Tokens issued up to now stay refused after a later re-enable (the +1 covers iat's one-second granularity).
          const tokensValidAfter = Math.floor(now().getTime() / 1000) + 1
          await applyChange(scope, m, { status: 'disabled', statusBeforeDisable: m.status, tokensValidAfter, cognitoPending: 'disable' }, { actor, action: 'user.disabled', target: userId })
          evict(userId)
        } else if (m.cognitoPending !== 'disable') {
          return
        }
        const activeElsewhere = (await reads.findByUser(userId)).some(o => o.tenantId !== scope.tenantId && o.status === 'active')
        if (!activeElsewhere && !(await platformAdmin(scope, m.cognitoUsername))) {
          await cognito.forTenant(scope.tenantId).globalSignOut(m.cognitoUsername)
          await cognito.forTenant(scope.tenantId).disableUser(m.cognitoUsername)
        }
        await memberships.clearCognitoPending(scope, userId, 'disable')
        return
      }
      // Not disabled: Cognito is enabled too (enabling writes Cognito first, disabling the membership first).
      if (m.status !== 'disabled') return
      // Tokens issued before tokensValidAfter (the second after the disable) stay refused. No token can be issued while
      // Cognito has the user disabled, so a re-enable in the disable's own second waits for the next one (under 1 s)
      // before enabling: a sign-in right after it then gets a token issued at or after the bar, not one refused for its
      // whole life, and the sessions from before the disable stay dead.
      const wait = m.tokensValidAfter === undefined ? 0 : m.tokensValidAfter * 1000 - now().getTime()
      if (wait > 0) await sleep(Math.min(wait, 1000))
      await cognito.forTenant(scope.tenantId).enableUser(m.cognitoUsername)
      const restored = m.statusBeforeDisable && m.statusBeforeDisable !== 'disabled' ? m.statusBeforeDisable : 'active'
      await applyChange(scope, m, { status: restored, statusBeforeDisable: undefined, cognitoPending: undefined }, { actor, action: 'user.enabled', target: userId })
      evict(userId)
    },

    /**
     * Removal from this tenant (and revocation of a pending invitation): 1) the membership is marked removing and
     * disabled (refused at once, left out of the listing; last-admin guard), with the audit entry, the decision itself:
     * a removal never retried still says who started it, and a retry (which finds the membership removing, skips step 1
     * and resumes) never writes it twice. 2) Cognito: AdminDeleteUser, only when the person keeps no membership (see
     * accountGoes); it also ends their sessions. Otherwise the person keeps their account and their other tenants, and
     * only this tenant refuses them (evicted here at once, elsewhere within MEMBERSHIP_CACHE_TTL_SECONDS). 3) the
     * membership goes, and with the account the email record.
     */
    async remove (scope: TenantScope, userId: string, actor: Actor): Promise<void> {
      const m = await memberships.getRecord(scope, userId)
      if (!m) throw new NotFoundError('User')
      if (!m.removing) {
        const pending = m.status === 'invited'
        await applyChange(scope, m, { removing: true, status: 'disabled', statusBeforeDisable: m.status === 'disabled' ? m.statusBeforeDisable : m.status },
          { actor, action: pending ? 'user.invitation_revoked' : 'user.removed', target: userId, details: { email: m.email, groups: m.groups } })
        evict(userId)
      }
      await faults.beforeCognitoDelete?.()
      const account = await accountGoes(scope, m)
      if (account) await cognito.forTenant(scope.tenantId).deleteUser(m.cognitoUsername)
      await faults.afterCognitoDelete?.()
      await run(memberships.remove(scope, m, account))
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
      const invitation: Invitation = { ...(m.invitation ?? { invitedAt: m.createdAt, invitedBy: actor, createdUser: true }), expiresAt: expiresAt() }
      await applyChange(scope, m, { invitation }, { actor, action: 'user.invitation_resent', target: userId, details: { expiresAt: invitation.expiresAt } })
      evict(userId)
      return invitation
    }
  }

  /** Steps 2 and 3 of an invite that holds the pending claim. */
  async function completeWithClaim (scope: TenantScope, input: { email: string, groups: TenantGroup[], actor: Actor }): Promise<Membership> {
    const { email, groups } = input
    await faults.afterClaim?.()
    const { user, createdUser } = await createOrAdopt(scope, email)
    await faults.afterCognito?.()
    const at = now().toISOString()
    const invitation = invitationOf(input.actor, createdUser, at)
    const member: MembershipRecord = { tenantId: scope.tenantId, userId: user.userId, email, groups, status: 'invited', createdAt: at, updatedAt: at, cognitoUsername: user.username, invitation }
    try {
      await run([
        ...memberships.completeInvite(scope, member),
        isAdmin(member) && tenants.adjustAdminCount(scope.tenantId, 1),
        audit.put(scope, { actor: input.actor, action: 'user.invited', target: user.userId, details: { email, groups } })
      ])
    } catch (err) {
      // A concurrent identical invite finished first (the same groups: claimPending refuses other groups meanwhile).
      if (err instanceof TransactionCancelled && (err.failedAt(0) || err.failedAt(1))) throw new AlreadyMemberError()
      throw err
    }
    const { cognitoUsername: _u, ...result } = member
    return result
  }
}
export type TenantUsers = ReturnType<typeof createTenantUsers>
