// User management across Cognito and DynamoDB: invite, group change, disable/enable, removal, resend; ordered so that the two never drift.
import { setTimeout as delay } from 'node:timers/promises'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { UserPoolClient, CognitoUser } from '../cognito/user-pool.js'
import { TENANT_GROUPS, type Membership, type TenantGroup } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import {
  BadRequestError, AlreadyMemberError, ConcurrentChangeError, ConflictError, EmailUnavailableError, LastAdminError, NotFoundError
} from '../domain/errors.js'
import { assertEmail, normalizeEmail } from '../repositories/keys.js'
import { membershipWrites, type MembershipRecord, type MembershipChange } from '../repositories/memberships.js'
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
  /** Invite: after the Cognito user exists and has its groups (step 2), before the membership (step 3). */
  afterCognito?: () => Promise<void> | void
  /** Removal: after the membership is marked removing, before Cognito deletes the user. */
  beforeCognitoDelete?: () => Promise<void> | void
  /** Removal: after Cognito deleted the user, before the membership and the claim go. */
  afterCognitoDelete?: () => Promise<void> | void
}

export interface TenantUsersDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  cognito: UserPoolClient
  /** Drops a user's cached membership on this instance, so a revocation takes effect at once (plugins/tenant). */
  evictMembership?: (userId: string) => void
  faults?: TenantUsersFaults
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

const isAdmin = (m: Pick<Membership, 'groups'>) => m.groups.includes('admins')
/** Admins that count towards the tenant's adminCount: not disabled, not being removed. */
const countsAsAdmin = (m: MembershipRecord) => isAdmin(m) && m.status !== 'disabled' && m.removing !== true

export function createTenantUsers (deps: TenantUsersDeps) {
  const { cognito, faults = {} } = deps
  const memberships = membershipWrites(deps.dynamo)
  const tenants = tenantWrites(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const sleep = deps.sleep ?? (async (ms: number) => { await delay(ms) })
  const evict = (userId: string) => deps.evictMembership?.(userId)
  const run = (items: Array<TransactItem | null | false | undefined>) => transact(deps.dynamo.doc, items)

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

  /**
   * Invite step 2's user: a new one (AdminCreateUser), or, when the address is taken, the user an earlier attempt of
   * this invite created (this tenant's, email verified). An UNCONFIRMED user is a self sign-up nobody confirmed: never
   * invited (AdminCreateUser never makes one) and without membership (we hold the pending claim), so it neither blocks
   * the address nor is handed to the invitee, whose account its creator would know the password of; it is deleted and
   * the invited user created. Any other user we hold no membership for, of another tenant or none, is never adopted
   * and never changed.
   */
  async function createOrAdopt (scope: TenantScope, email: string): Promise<CognitoUser & { adopted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { ...await cognito.forTenant(scope.tenantId).createUser({ email, tenantId: scope.tenantId }), adopted: false }
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
        if (existing.tenantId === scope.tenantId && existing.emailVerified) return { ...existing, adopted: true }
        return await unavailable(scope, email)
      }
      // Gone meanwhile, or an unconfirmed sign-up: (once more) create the invited user in its place.
      if (attempt > 0) return await unavailable(scope, email)
      if (existing) await cognito.forTenant(scope.tenantId).deleteUser(existing.username)
    }
  }

  return {
    /**
     * Invites a user into the tenant, in three steps:
     *  1. DynamoDB: claim the email as `pending` for this tenant (conditional; a member here or a claim by another
     *     tenant fails here, before Cognito is touched). `extra` items (the tenant record at onboarding) go in the same
     *     transaction, ahead of the claim: a TransactionCancelled rethrown for one of them reads `failedAt(i)` for the
     *     caller's `extra[i]`, so the caller maps its own conditions without knowing this transaction.
     *  2. Cognito: AdminCreateUser (or, if the user exists, adopt it only when its custom:tenant_id is this tenant and
     *     its email is verified; an unconfirmed sign-up is deleted first: createOrAdopt), then AdminAddUserToGroup for
     *     each group (idempotent).
     *  3. DynamoDB: the USER#<sub> membership (status invited, GSI1 keys), the claim turned `member`, the admin count
     *     and the audit entry, in one transaction.
     * A failure after step 1 with an unknown Cognito outcome, or after step 2, leaves the claim `pending`: the same
     * invite retried completes it (step 1 accepts its own pending claim, step 2 adopts the user). A definite Cognito
     * rejection in step 2 rolls step 1 back.
     */
    async invite (scope: TenantScope, input: { email: string, groups?: readonly string[], actor: Actor }, extra: TransactItem[] = []): Promise<Membership> {
      const email = assertEmail(normalizeEmail(input.email))
      const groups = normalizeGroups(input.groups)
      const at = now().toISOString()

      try {
        const staleBefore = new Date(now().getTime() - PENDING_CLAIM_LEASE_MS).toISOString()
        await run([...extra, memberships.claimPending(scope, email, groups, at, staleBefore)])
      } catch (err) {
        if (err instanceof TransactionCancelled && err.failedAt(extra.length)) {
          const claim = await memberships.getClaim(email)
          if (claim && claim.tenantId === scope.tenantId) {
            if (claim.status === 'pending') throw new ConflictError('An invitation of this address with other groups is under way; retry later')
            throw new AlreadyMemberError()
          }
          throw new EmailUnavailableError()
        }
        // Anything else (contention or throttling: retryable, 503; a condition of an `extra` item: the caller's to map).
        throw err
      }
      await faults.afterClaim?.()

      const user = await createOrAdopt(scope, email)
      if (user.adopted) {
        // An earlier attempt with this claim may have added other groups (one given up after the lease): the invited
        // user's Cognito groups are exactly the membership's, as its tokens will carry them.
        for (const group of await cognito.forTenant(scope.tenantId).listGroups(user.username)) {
          if ((TENANT_GROUPS as readonly string[]).includes(group) && !groups.includes(group as TenantGroup)) await cognito.forTenant(scope.tenantId).removeFromGroup(user.username, group)
        }
      }
      for (const group of groups) await cognito.forTenant(scope.tenantId).addToGroup(user.username, group)
      await faults.afterCognito?.()

      const member: MembershipRecord = {
        tenantId: scope.tenantId, userId: user.userId, email, groups, status: 'invited', createdAt: at, updatedAt: at, cognitoUsername: user.username
      }
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
    },

    get: memberOf,

    /** A membership being removed is gone for the API: the listing leaves it out, as get answers 404 for it. */
    async list (scope: TenantScope, page: { limit: number, cursor?: string }) {
      const found = await memberships.list(scope, page)
      return { ...found, items: found.items.filter(m => m.removing !== true) }
    },

    /**
     * Grant: Cognito first, then the membership. The API authorizes on the membership, so the grant takes effect
     * only once both hold; if the second write fails, Cognito has an extra group the API ignores and a retry completes.
     * A membership with the group already has it in Cognito too (granted there first): nothing to do, no Cognito call.
     */
    async addGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (m.groups.includes(group)) return
      await cognito.forTenant(scope.tenantId).addToGroup(m.cognitoUsername, group)
      const groups = TENANT_GROUPS.filter(g => g === group || m.groups.includes(g))
      await applyChange(scope, m, { groups }, { actor, action: 'user.group_added', target: userId, details: { group } })
      evict(userId)
    },

    /**
     * Revoke: the membership first (the API refuses at once; the last-admin guard runs before Cognito is touched),
     * then Cognito. If Cognito fails, the membership already lacks the group and a retry removes it from Cognito.
     */
    async removeGroup (scope: TenantScope, userId: string, group: TenantGroup, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (m.groups.includes(group)) {
        const groups = m.groups.filter(g => g !== group)
        if (groups.length === 0) throw new ConflictError('A user keeps at least one group; remove the user instead')
        await applyChange(scope, m, { groups }, { actor, action: 'user.group_removed', target: userId, details: { group } })
        evict(userId)
      }
      await cognito.forTenant(scope.tenantId).removeFromGroup(m.cognitoUsername, group)
    },

    /**
     * disabled: the membership first (refused at once, last-admin guard; marked cognitoPending), then global sign-out
     * and AdminDisableUser, then the mark is cleared. active: AdminEnableUser first, then the membership (the API lets
     * the user back in only when both agree). A retry after a partial failure repeats the idempotent Cognito calls and
     * skips what is done; a status the user already has (a disable no longer pending) makes no Cognito call.
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
        await cognito.forTenant(scope.tenantId).globalSignOut(m.cognitoUsername)
        await cognito.forTenant(scope.tenantId).disableUser(m.cognitoUsername)
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
     * Removal: 1) the membership is marked removing and disabled (refused at once, left out of the listing; last-admin
     * guard), 2) Cognito: AdminDeleteUser (custom:tenant_id is immutable, so only deletion frees the address for another
     * tenant; it also ends the user's sessions, so no global sign-out, one call fewer to fail), 3) the membership and the
     * email claim go. The audit entry is written with step 1, the decision itself: a removal never retried still says
     * who started it, and a retry (which finds the membership removing, skips step 1 and resumes) never writes it twice.
     */
    async remove (scope: TenantScope, userId: string, actor: Actor): Promise<void> {
      const m = await memberships.getRecord(scope, userId)
      if (!m) throw new NotFoundError('User')
      if (!m.removing) {
        await applyChange(scope, m, { removing: true, status: 'disabled', statusBeforeDisable: m.status },
          { actor, action: 'user.removed', target: userId, details: { email: m.email, groups: m.groups } })
        evict(userId)
      }
      await faults.beforeCognitoDelete?.()
      await cognito.forTenant(scope.tenantId).deleteUser(m.cognitoUsername)
      await faults.afterCognitoDelete?.()
      await run(memberships.remove(scope, m))
    },

    /** Resends the invitation while the user has not signed in yet (Cognito: FORCE_CHANGE_PASSWORD); otherwise 409. */
    async resendInvitation (scope: TenantScope, userId: string, actor: Actor): Promise<void> {
      const m = await memberOf(scope, userId)
      if (m.status !== 'invited') throw new ConflictError('The user has already accepted the invitation')
      const user = await cognito.forTenant(scope.tenantId).getUser(m.cognitoUsername)
      if (!user || user.status !== 'FORCE_CHANGE_PASSWORD') throw new ConflictError('The user has already accepted the invitation')
      try {
        await cognito.forTenant(scope.tenantId).resendInvitation(m.cognitoUsername)
      } catch (err) {
        if ((err as Error).name === 'UnsupportedUserStateException') throw new ConflictError('The user has already accepted the invitation')
        throw err
      }
      await run([audit.put(scope, { actor, action: 'user.invitation_resent', target: userId })])
    }
  }
}
export type TenantUsers = ReturnType<typeof createTenantUsers>
