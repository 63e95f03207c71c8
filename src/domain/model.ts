// Domain types shared by repositories, routes, scripts and the Cognito triggers.

export const GROUPS = ['admins', 'members', 'platform-admins'] as const
export type Group = typeof GROUPS[number]
/** The groups a tenant admin may hand out; platform-admins is the operator's and belongs to no tenant. */
export const TENANT_GROUPS = ['admins', 'members'] as const
export type TenantGroup = typeof TENANT_GROUPS[number]
/**
 * The only groups the user pool holds: platform roles. Tenant roles live in the membership alone (one person has
 * different roles in different tenants, which one set of Cognito groups per user cannot express).
 */
export const PLATFORM_GROUPS = ['platform-admins'] as const
export type PlatformGroup = typeof PLATFORM_GROUPS[number]

export const TENANT_STATUSES = ['active', 'suspended'] as const
export type TenantStatus = typeof TENANT_STATUSES[number]
export interface Tenant {
  tenantId: string
  name: string
  status: TenantStatus
  createdAt: string
  updatedAt: string
}

/** pending: written before the Cognito call; invited: Cognito user exists; active: has signed in; disabled: suspended by an admin. */
export const MEMBERSHIP_STATUSES = ['pending', 'invited', 'active', 'disabled'] as const
export type MembershipStatus = typeof MEMBERSHIP_STATUSES[number]
/** The statuses the API shows of a user (a pending membership is an invite still in progress, never listed as a user). */
export const USER_STATUSES = ['invited', 'active', 'disabled'] as const satisfies readonly MembershipStatus[]
export type UserStatus = typeof USER_STATUSES[number]
/** The statuses an admin may set: disable, or enable again. */
export const SETTABLE_USER_STATUSES = ['disabled', 'active'] as const satisfies readonly UserStatus[]

/** An invitation into a tenant, kept on the membership while it is `invited`. */
export interface Invitation {
  invitedAt: string
  /** The inviting admin's user id (or the operator's, for onboarding and imports). */
  invitedBy: string
  expiresAt: string
  /**
   * True when this invitation created the person's Cognito account: their first authenticated request in this tenant
   * accepts it (they have just chosen a password for it). False for a person who already had an account (a member
   * elsewhere): they accept or decline it explicitly, and until then it opens nothing.
   */
  createdUser: boolean
}

export interface Membership {
  tenantId: string
  userId: string
  email: string
  groups: TenantGroup[]
  status: MembershipStatus
  createdAt: string
  updatedAt: string
  /**
   * Epoch seconds: tokens issued before it are refused in this tenant. Set when a member is disabled, so that
   * re-enabling them does not bring their old (still cryptographically valid) access tokens back to life.
   */
  tokensValidAfter?: number
  /** Present while status is `invited`. A membership stored before invitations expired has none: it never expires. */
  invitation?: Invitation
}

/** Ids that reach a DynamoDB key: no '#', bounded length. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const ID_REGEX = new RegExp(ID_PATTERN)
/**
 * What the API accepts as an email address (the schema of request bodies and the email claim key check alike): ASCII
 * only. Local part: RFC 5322 dot-atom text without '#' (the key separator), at most 64 characters; no quoted strings.
 * Domain: LDH labels (RFC 1035; IDNs in their xn-- form), at least two, no trailing dot. So no control characters,
 * no bidi overrides, no '<' '>', no look-alike letters, and one spelling per address: `a@b.example.` is refused, not a
 * second key for `a@b.example`. Non-ASCII is refused rather than normalized: Unicode case folding and IDNA mapping
 * give one mailbox several spellings, which is what the single email claim must not have.
 */
const EMAIL_ATEXT = "[A-Za-z0-9!$%&'*+/=?^_`{|}~-]"
const EMAIL_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
export const EMAIL_PATTERN = `^(?=[^@]{1,64}@)${EMAIL_ATEXT}+(?:\\.${EMAIL_ATEXT}+)*@(?:${EMAIL_LABEL}\\.)+${EMAIL_LABEL}$`
export const EMAIL_MAX_LENGTH = 254
