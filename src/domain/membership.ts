// What a membership allows now: shared by the API's tenant resolution and the pre token generation trigger.
import type { Invitation, Membership } from './model.js'

/** Whether an invitation can no longer be accepted at `nowMs`. */
export const invitationExpired = (invitation: Invitation, nowMs: number) => Date.parse(invitation.expiresAt) <= nowMs

export type Usability = 'usable' | 'accepts' | 'expired' | 'pending' | 'unusable'

/**
 * What a membership allows now. `accepts`: an invitation that created the person's account, which this request accepts
 * (their first in the tenant); `pending`: an invitation to a person who already had an account, which opens nothing
 * until accepted through /me/invitations.
 */
export function usability (m: Membership, nowMs: number): Usability {
  if (m.status === 'active') return 'usable'
  if (m.status !== 'invited') return 'unusable'
  const invitation = m.invitation
  // Stored before invitations expired or needed accepting: accepted by the first request, as then.
  if (invitation === undefined) return 'accepts'
  if (invitationExpired(invitation, nowMs)) return invitation.createdUser ? 'expired' : 'pending'
  return invitation.createdUser ? 'accepts' : 'pending'
}

/** A membership's invitation as the API shows it while the person is invited: its expiry, and `expired` once it passed. */
export function invitationView (m: Pick<Membership, 'status' | 'invitation'>, nowMs: number): { expiresAt: string, expired?: true } | undefined {
  if (m.status !== 'invited' || m.invitation === undefined) return undefined
  return { expiresAt: m.invitation.expiresAt, ...(invitationExpired(m.invitation, nowMs) ? { expired: true as const } : {}) }
}
