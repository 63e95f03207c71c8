// An audit entry in words ("added ann@example.com to group admins"): the one wording, for GET /audit and its CSV export.

interface Described { action: string, target: string, targetEmail?: string, details?: Record<string, unknown> }

const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
const groupsOf = (v: unknown): string => Array.isArray(v) && v.length > 0 ? v.map(g => g === 'admins' ? 'admin' : g === 'members' ? 'member' : String(g)).join(' and ') : 'member'
const change = (v: unknown): { from?: string, to?: string } => (v !== null && typeof v === 'object' ? v : {}) as { from?: string, to?: string }
const money = (minor: unknown, currency: unknown) => typeof minor === 'number' ? `${(minor / 100).toFixed(2)} ${str(currency) ?? ''}`.trim() : undefined

/** What the actor did, in words, with the details that matter; an action this version does not know reads as its code. */
export function describeAudit (e: Described): string {
  const d = e.details ?? {}
  const who = e.targetEmail ?? str(d.email) ?? e.target
  switch (e.action) {
    case 'tenant.created': return `created the tenant "${str(d.name) ?? e.target}"`
    case 'tenant.updated': {
      const parts: string[] = []
      const name = change(d.name)
      const status = change(d.status)
      if (name.to !== undefined) parts.push(`renamed the tenant from "${name.from ?? ''}" to "${name.to}"`)
      if (status.to !== undefined) parts.push(status.to === 'suspended' ? 'suspended the tenant' : status.to === 'active' ? 'reactivated the tenant' : `set the tenant ${status.to}`)
      return parts.length > 0 ? parts.join(' and ') : 'changed the tenant'
    }
    case 'user.invited': return `invited ${who} as ${groupsOf(d.groups)}`
    case 'user.group_added': return `added ${who} to group ${str(d.group) ?? '?'}`
    case 'user.group_removed': return `removed ${who} from group ${str(d.group) ?? '?'}`
    case 'user.disabled': return `disabled ${who}`
    case 'user.enabled': return `enabled ${who}`
    case 'user.removed': return `removed ${who}`
    case 'user.invitation_resent': return `resent the invitation to ${who}${str(d.expiresAt) !== undefined ? `, valid until ${str(d.expiresAt) ?? ''}` : ''}`
    case 'user.invitation_revoked': return `revoked the invitation to ${who}`
    case 'user.invitation_accepted': return `accepted the invitation as ${groupsOf(d.groups)}${str(d.by) !== undefined ? ` (by ${str(d.by) ?? ''})` : ''}`
    case 'user.invitation_declined': return 'declined the invitation'
    case 'user.joined': return `joined through ${str(d.via) === 'sso' ? 'single sign-on at' : 'the verified domain'} ${str(d.domain) ?? '?'}`
    case 'user.left': return 'left the tenant'
    case 'domain.claimed': return `claimed the domain ${str(d.domain) ?? '?'}`
    case 'domain.verified': return `verified the domain ${str(d.domain) ?? '?'}`
    case 'domain.removed': return `released the domain ${str(d.domain) ?? '?'}`
    case 'domain.policy_changed': return `changed the policy of ${str(d.domain) ?? '?'} from ${str(d.from) ?? '?'} to ${str(d.to) ?? '?'}`
    case 'sso.connection_created': return `connected the ${str(d.type) ?? ''} identity provider ${str(d.providerName) ?? '?'}${Array.isArray(d.domains) ? ` for ${d.domains.join(', ')}` : ''}`.replace('the  identity', 'the identity')
    case 'sso.connection_deleted': return `removed the identity provider ${str(d.providerName) ?? '?'}`
    case 'sso.enforcement_changed': return d.required === true ? 'required single sign-on' : 'stopped requiring single sign-on'
    case 'sso.signed_out': return 'signed out password sessions at the enforced domains'
    case 'order.deleted': {
      const what = [money(d.total, d.currency), str(d.status)].filter(x => x !== undefined).join(', ')
      return `deleted order ${e.target}${what !== '' ? ` (${what})` : ''}`
    }
    default: return e.action
  }
}
