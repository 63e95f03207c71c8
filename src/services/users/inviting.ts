// Inviting a person into a tenant: find or create their one Cognito user through the email record, then the membership.
import { setTimeout as delay } from 'node:timers/promises'
import type { CognitoUser } from '../../cognito/user-pool.js'
import { TENANT_GROUPS, type Invitation, type Membership, type TenantGroup } from '../../domain/model.js'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { AlreadyMemberError, BadRequestError, ConcurrentChangeError, ConflictError, EmailUnavailableError, InviteUnderWayError } from '../../domain/errors.js'
import { assertEmail, normalizeEmail } from '../../repositories/keys.js'
import type { EmailClaim } from '../../repositories/email-records.js'
import type { MembershipRecord } from '../../repositories/memberships.js'
import { TransactionCancelled, type TransactItem } from '../../repositories/transact.js'
import { holdsAddress, isDefiniteRejection, type Actor, type UsersContext } from './context.js'
import type { AccountKeeping } from './account.js'
import { actorIdOf } from '../../repositories/audit.js'

/**
 * How long a pending claim belongs to the invite that wrote it. Within it, an invite of the same address with other
 * groups is refused at step 1 (it would otherwise add its groups to the same Cognito user); after it, the attempt is
 * taken as given up and a new invite may take the claim over. Far above any one request's duration (requestTimeout 30 s).
 */
export const PENDING_CLAIM_LEASE_MS = 120_000

/** A caller's own items for the invite's first write (the tenant record and its audit entry at onboarding). */
export type CallerItems = () => TransactItem[]

function normalizeGroups (groups: readonly string[] | undefined): TenantGroup[] {
  const wanted = groups && groups.length > 0 ? groups : ['members']
  // Only the tenant groups pass: platform-admins is never granted through a tenant (schemas reject it earlier too).
  return TENANT_GROUPS.filter(g => wanted.includes(g))
}

interface Wanted { email: string, groups: TenantGroup[], actor: Actor }

export function inviting (ctx: UsersContext, account: AccountKeeping) {
  const { cognito, emails, ledger, audit, now, run } = ctx

  /** Rolls step 1 back and refuses the address, without saying why. */
  async function unavailable (scope: TenantScope, email: string): Promise<never> {
    await emails.releasePending(scope, email)
    throw new EmailUnavailableError()
  }

  /** Whether an invitation of this tenant created the account: its home tenant, and nobody has chosen a password yet. */
  const createdHere = (scope: TenantScope, user: CognitoUser) => user.tenantId === scope.tenantId && user.status === 'FORCE_CHANGE_PASSWORD'

  /**
   * Invite step 2's user, under this invite's pending claim: a new one (AdminCreateUser, home tenant this one), or the
   * user whose current, verified email the address is (a member elsewhere, a platform admin, or the user an earlier
   * attempt of this invite created). An UNCONFIRMED user is a self sign-up nobody confirmed: never invited
   * (AdminCreateUser never makes one) and without membership (we hold the pending claim), so it neither blocks the
   * address nor is handed to the invitee, whose account its creator would know the password of; it is deleted and the
   * invited user created. A user whose email is not verified is never adopted: nobody has shown it is theirs.
   */
  async function createOrAdopt (scope: TenantScope, email: string): Promise<{ user: CognitoUser, createdUser: boolean }> {
    const pool = cognito.forTenant(scope.tenantId)
    for (let attempt = 0; ; attempt++) {
      try {
        return { user: await pool.createUser({ email, tenantId: scope.tenantId }), createdUser: true }
      } catch (err) {
        if ((err as Error).name !== 'UsernameExistsException') {
          if (isDefiniteRejection(err)) {
            await emails.releasePending(scope, email)
            // Cognito refused the address itself (its rules are wider than ours to check): the caller's input, not our fault.
            if ((err as Error).name === 'InvalidParameterException') throw new BadRequestError('The email address was not accepted')
          }
          throw err
        }
      }
      const existing = await pool.getUser(email)
      if (existing && existing.status !== 'UNCONFIRMED') {
        if (holdsAddress(existing, email)) return { user: existing, createdUser: createdHere(scope, existing) }
        return await unavailable(scope, email)
      }
      // Gone meanwhile, or an unconfirmed sign-up: (once more) create the invited user in its place.
      if (attempt > 0) return await unavailable(scope, email)
      if (existing) await pool.deleteUser(existing.username)
    }
  }

  /** The email record once no invite of another tenant is between its steps: waits (bounded) for such an invite to finish. */
  async function settledClaim (scope: TenantScope, email: string): Promise<EmailClaim | null> {
    const until = Date.now() + ctx.claimWaitMs
    for (;;) {
      const claim = await emails.get(email)
      if (claim?.status !== 'pending') return claim
      if (claim.tenantId === scope.tenantId) throw new ConflictError('An invitation of this address with other groups is under way; retry later')
      if (Date.parse(claim.createdAt) < now().getTime() - PENDING_CLAIM_LEASE_MS) return claim
      if (Date.now() >= until) throw new InviteUnderWayError()
      await delay(100)
    }
  }

  const invitationOf = (actor: Actor, createdUser: boolean, at: string): Invitation => ({ invitedAt: at, invitedBy: actorIdOf(actor), expiresAt: ctx.expiresAt(), createdUser })

  function membershipOf (scope: TenantScope, user: CognitoUser, input: Wanted, createdUser: boolean): MembershipRecord {
    const at = now().toISOString()
    return { tenantId: scope.tenantId, userId: user.userId, email: input.email, groups: input.groups, status: 'invited', createdAt: at, updatedAt: at, cognitoUsername: user.username, invitation: invitationOf(input.actor, createdUser, at) }
  }

  /** A person whose account was disabled (no live membership anywhere) is enabled again by a live invitation. */
  async function afterJoin (scope: TenantScope, user: CognitoUser) {
    if (!user.enabled) await account.reconcile(scope, user.userId, user.username)
  }

  /**
   * Writes the membership of the person the email record names, once Cognito confirms the account still holds the
   * address ('stale' otherwise: the account is gone, or moved to another address, and the record is replaced). The
   * caller's items (the tenant record at onboarding) go in the same transaction: either the tenant and its admin's
   * membership both exist, or neither does.
   */
  async function joinExisting (scope: TenantScope, claim: EmailClaim, input: Wanted, extra?: CallerItems): Promise<Membership | 'stale'> {
    const userId = claim.userId as string
    // Already a member here, in any status: answered from DynamoDB, before Cognito is asked anything.
    if (await ledger.getRecord(scope, userId)) throw new AlreadyMemberError()
    const user = await cognito.forTenant(scope.tenantId).getUser(claim.username ?? userId)
    if (!user || user.userId !== userId) return 'stale'
    if (user.status === 'UNCONFIRMED') throw new EmailUnavailableError()
    if (!holdsAddress(user, input.email)) return 'stale'
    const member = membershipOf(scope, user, input, createdHere(scope, user))
    // The caller's items first, so that a TransactionCancelled rethrown for one of them reads failedAt(i) for extra[i].
    const own = extra?.() ?? []
    const adding = ledger.addItems(member)
    try {
      await run([
        ...own,
        ...adding,
        emails.namesUser(input.email, userId),
        audit.put(scope, { actor: input.actor, action: 'user.invited', target: userId, targetEmail: input.email, details: { email: input.email, groups: input.groups } }),
        ledger.liftRemovedMark(scope.tenantId, input.email)
      ])
    } catch (err) {
      if (err instanceof TransactionCancelled && err.failedAt(own.length)) throw new AlreadyMemberError()
      // The account is being deleted with its last membership, or the record changed: a retry finds the new state.
      if (err instanceof TransactionCancelled && (err.failedAt(own.length + 1) || err.failedAt(own.length + adding.length))) throw new ConcurrentChangeError('email address')
      throw err
    }
    await afterJoin(scope, user)
    const { cognitoUsername: _u, ...result } = member
    return result
  }

  /** Steps 2 and 3 of an invite that holds the pending claim. */
  async function completeWithClaim (scope: TenantScope, input: Wanted): Promise<Membership> {
    const { user, createdUser } = await createOrAdopt(scope, input.email)
    const member = membershipOf(scope, user, input, createdUser)
    const adding = ledger.addItems(member)
    try {
      await run([
        ...adding,
        emails.complete(scope, input.email, user, input.groups),
        audit.put(scope, { actor: input.actor, action: 'user.invited', target: user.userId, targetEmail: input.email, details: { email: input.email, groups: input.groups } }),
        ledger.liftRemovedMark(scope.tenantId, input.email)
      ])
    } catch (err) {
      if (err instanceof TransactionCancelled && err.failedAt(1)) throw new ConcurrentChangeError('email address')
      // A concurrent identical invite finished first (the same groups: claimPending refuses other groups meanwhile).
      if (err instanceof TransactionCancelled && (err.failedAt(0) || err.failedAt(adding.length))) throw new AlreadyMemberError()
      throw err
    }
    await afterJoin(scope, user)
    const { cognitoUsername: _u, ...result } = member
    return result
  }

  return {
    /**
     * Invites a person into the tenant. The email record (EMAIL#<address>) maps the address to its Cognito user:
     *  - It names a user who still holds the address: a member here already (any status) is a 409; otherwise the
     *    membership is written `invited` (createdUser false: the person accepts it through /me/invitations), no
     *    Cognito write; `extra` items go in that same transaction (an onboarded tenant never exists without its admin's
     *    membership). A record naming an account that is gone or moved to another address is dropped and the invite
     *    starts over: the address goes to whoever holds it now, or to a new account.
     *  - It names none: 1. claim it as `pending` for this invite (conditional; `extra` items, the tenant record at
     *    onboarding, go in the same transaction, ahead of the claim: a TransactionCancelled rethrown for one of them
     *    reads `failedAt(i)` for the caller's `extra[i]`); an invite of another tenant under way is waited for, then
     *    joined as above. 2. Cognito: AdminCreateUser (createdUser true: the first request accepts it) or the existing
     *    user holding the address (createOrAdopt). 3. the membership, the record turned `user` and the account's
     *    counts, with the audit entry, in one transaction.
     * A failure after step 1 with an unknown Cognito outcome, or after step 2, leaves the claim `pending`: the same
     * invite retried completes it (step 1 accepts its own pending claim, step 2 finds the user). A definite Cognito
     * rejection in step 2 rolls step 1 back.
     */
    async invite (scope: TenantScope, input: { email: string, groups?: readonly string[], actor: Actor }, extra?: CallerItems): Promise<Membership> {
      const email = assertEmail(normalizeEmail(input.email))
      const wanted: Wanted = { email, groups: normalizeGroups(input.groups), actor: input.actor }

      for (let round = 0; round < 3; round++) {
        let claim = await emails.get(email)
        if (claim?.status !== 'user') {
          const own = extra?.() ?? []
          try {
            const staleBefore = new Date(now().getTime() - PENDING_CLAIM_LEASE_MS).toISOString()
            await run([...own, emails.claimPending(scope, email, wanted.groups, now().toISOString(), staleBefore)])
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
          await emails.dropStale(email, claim.userId)
          continue
        }
        return await completeWithClaim(scope, wanted)
      }
      throw new ConcurrentChangeError('email address')
    }
  }
}
