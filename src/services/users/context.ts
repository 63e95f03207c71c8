// What the user-management modules share: their dependencies, clock, the ledger and the reads before any Cognito call.
import { setTimeout as delay } from 'node:timers/promises'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { UserPoolClient, CognitoUser } from '../../cognito/user-pool.js'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { NotFoundError } from '../../domain/errors.js'
import type { MembershipRecord } from '../../repositories/memberships.js'
import { membershipReads } from '../../repositories/memberships.js'
import { accountsRepository } from '../../repositories/accounts.js'
import { emailRecords } from '../../repositories/email-records.js'
import { auditRepository, type ActorRef } from '../../repositories/audit.js'
import { normalizeEmail } from '../../repositories/keys.js'
import { transact, type TransactItem } from '../../repositories/transact.js'
import { membershipLedger } from './ledger.js'
import type { InvitationNotices } from '../../notify/invitation-notices.js'

export interface TenantUsersDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  cognito: UserPoolClient
  /** Drops a user's cached membership on this instance, so a revocation takes effect at once (plugins/tenant). */
  evictMembership?: (userId: string) => void
  /** How long an invitation can be accepted (INVITATION_TTL_SECONDS); a week by default. */
  invitationTtlSeconds?: number
  /** How long an invite waits for another tenant's invite of the same address to find or create its user. */
  claimWaitMs?: number
  now?: () => Date
  /** Waits that many milliseconds (default: a timer); injectable with `now`. */
  sleep?: (ms: number) => Promise<void>
  /** Tells an existing person of an invitation once it is written (Cognito tells only the people it creates). */
  notices?: InvitationNotices
}

/** Who acts: a user id (an admin, the invitee, an operator), with their address when the route knows it. */
export type Actor = ActorRef

/** The default INVITATION_TTL_SECONDS: a week. */
export const DEFAULT_INVITATION_TTL_SECONDS = 604_800

/** Cognito rejections that prove the call changed nothing (vs. throttling, timeouts, 5xx: outcome unknown). */
export function isDefiniteRejection (err: unknown): boolean {
  const e = err as { $fault?: string, statusCode?: number, name?: string }
  return e.$fault === 'client' && e.name !== 'TooManyRequestsException'
}

/**
 * Whether `user` is the account `email` belongs to now: its current email in Cognito is that address, verified. An
 * email record, or a membership's copy, is only a pointer: an account that moved to another address no longer owns
 * this one, whatever a record says.
 */
export function holdsAddress (user: CognitoUser, email: string): boolean {
  return user.emailVerified && user.email !== undefined && normalizeEmail(user.email) === normalizeEmail(email)
}

export function usersContext (deps: TenantUsersDeps) {
  const now = deps.now ?? (() => new Date())
  const ttlMs = (deps.invitationTtlSeconds ?? DEFAULT_INVITATION_TTL_SECONDS) * 1000
  const ledger = membershipLedger({ dynamo: deps.dynamo, now })
  return {
    deps,
    cognito: deps.cognito,
    ledger,
    reads: membershipReads(deps.dynamo),
    accounts: accountsRepository(deps.dynamo),
    emails: emailRecords(deps.dynamo),
    audit: auditRepository(deps.dynamo),
    now,
    sleep: deps.sleep ?? (async (ms: number) => { await delay(ms) }),
    claimWaitMs: deps.claimWaitMs ?? 5000,
    evict: (userId: string) => deps.evictMembership?.(userId),
    run: (items: Array<TransactItem | null | false | undefined>) => transact(deps.dynamo.doc, items),
    expiresAt: () => new Date(now().getTime() + ttlMs).toISOString(),

    /** A tenant admin addresses only members of their own tenant: read in the scope's partition before any Cognito call. */
    async memberOf (scope: TenantScope, userId: string): Promise<MembershipRecord> {
      const m = await ledger.getRecord(scope, userId)
      if (!m || m.removing) throw new NotFoundError('User')
      return m
    }
  }
}
export type UsersContext = ReturnType<typeof usersContext>
