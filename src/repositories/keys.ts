// Single-table key layout. The only module that spells PK/SK/GSI1 values; everything else asks it.
import { ID_REGEX } from '../domain/model.js'
import { isEmail, normalizeEmail } from '../domain/email.js'
import { InvalidIdError } from '../domain/errors.js'
import { DOMAIN_REGEX } from '../domain/domain-name.js'
import { TABLE } from '../dynamodb/table.js'
import { createHash } from 'node:crypto'

export { isEmail, normalizeEmail }

/** Refuses any id that could break out of its key segment ('#'), or is unbounded. */
function assertId (id: string, what = 'id'): string {
  if (typeof id !== 'string' || !ID_REGEX.test(id)) throw new InvalidIdError(what)
  return id
}

/** A key segment made of an email: bounded, no whitespace or '#'. */
export function assertEmail (email: string): string {
  if (!isEmail(email)) throw new InvalidIdError('email')
  return email
}

/** A key segment made of a domain name: lower-case LDH labels, so no '#'. */
function assertDomain (domain: string): string {
  if (typeof domain !== 'string' || !DOMAIN_REGEX.test(domain)) throw new InvalidIdError('domain')
  return domain
}

/** Sort-key prefixes the layout itself uses; a resource kind may not take one. */
const RESERVED_KINDS = new Set(['TENANT', 'USER', 'AUDIT', 'IDEMPOTENCY', 'EMAIL', 'TENANTS', 'DOMAIN', 'REMOVED', 'SSO', 'SSOSETTINGS', 'SESSION'])
/** A resource kind: upper-case, no '#', not one of the layout's own. A programming error otherwise, so a plain Error. */
function assertKind (kind: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(kind) || RESERVED_KINDS.has(kind)) throw new Error(`Not a resource kind: ${kind}`)
  return kind
}
/** ORDER -> orderId, the name an invalid id is reported under. */
const idName = (kind: string) => `${kind.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Id`

/** A limit's subject as a key segment: as given when it is plain (ids, addresses), else a digest (never a '#'). */
function limitSubject (subject: string): string {
  return /^[A-Za-z0-9._:/-]{1,128}$/.test(subject) ? subject : `sha256-${createHash('sha256').update(subject).digest('hex')}`
}

export const keys = {
  tenantPk: (tenantId: string) => `TENANT#${assertId(tenantId, 'tenantId')}`,
  /** The tenant's own record: PK=TENANT#<t>, SK=TENANT. Listed for operators through GSI1PK=TENANTS. */
  tenant: (tenantId: string) => ({ PK: keys.tenantPk(tenantId), SK: 'TENANT' }),
  tenantsIndexPk: 'TENANTS',
  /** A membership: PK=TENANT#<t>, SK=USER#<sub>; GSI1 finds it from the user: GSI1PK=USER#<sub>, GSI1SK=TENANT#<t>. */
  membership: (tenantId: string, userId: string) => ({ PK: keys.tenantPk(tenantId), SK: `USER#${assertId(userId, 'userId')}` }),
  membershipIndex: (tenantId: string, userId: string) => ({ GSI1PK: `USER#${assertId(userId, 'userId')}`, GSI1SK: keys.tenantPk(tenantId) }),
  userIndexPk: (userId: string) => `USER#${assertId(userId, 'userId')}`,
  membershipSkPrefix: 'USER#',
  /** A person's own settings (the default tenant): PK=USER#<sub>, SK=PROFILE. No tenant's partition holds it. */
  userProfile: (userId: string) => ({ PK: `USER#${assertId(userId, 'userId')}`, SK: 'PROFILE' }),
  /** A person's membership counts across tenants (src/repositories/accounts.ts): PK=USER#<sub>, SK=ACCOUNT. */
  account: (userId: string) => ({ PK: `USER#${assertId(userId, 'userId')}`, SK: 'ACCOUNT' }),
  /**
   * An item of a tenant-scoped resource: PK=TENANT#<t>, SK=<KIND>#<id> (orders: ORDER#<id>). The kind is the
   * resource's own constant; one of the layout's own prefixes is refused, so no resource can address memberships,
   * audit entries or idempotency records.
   */
  item: (tenantId: string, kind: string, id: string) => ({ PK: keys.tenantPk(tenantId), SK: `${keys.itemSkPrefix(kind)}${assertId(id, idName(kind))}` }),
  /** The SK prefix a list of one kind queries under. */
  itemSkPrefix: (kind: string) => `${assertKind(kind)}#`,
  /** The id inside an item's key, or an InvalidIdError if the key is not an item of this kind of this tenant (cursor checks). */
  itemIdOf: (tenantId: string, kind: string, key: Record<string, unknown> | undefined): string => {
    const prefix = keys.itemSkPrefix(kind)
    const pk = key?.[TABLE.partitionKey]
    const sk = key?.[TABLE.sortKey]
    if (pk !== keys.tenantPk(tenantId) || typeof sk !== 'string' || !sk.startsWith(prefix)) throw new InvalidIdError(`${kind.toLowerCase()} key`)
    return assertId(sk.slice(prefix.length), idName(kind))
  },
  idempotency: (tenantId: string, scope: string, key: string) => ({ PK: keys.tenantPk(tenantId), SK: `IDEMPOTENCY#${scope}#${assertId(key, 'Idempotency-Key')}` }),
  auditSkPrefix: 'AUDIT#',
  /** An audit entry under the tenant: SK=AUDIT#<time-sortable id>, so a reverse query pages newest first. */
  audit: (tenantId: string, auditId: string) => ({ PK: keys.tenantPk(tenantId), SK: `AUDIT#${assertId(auditId, 'auditId')}` }),
  /**
   * The global claim on an email (normalized): PK=EMAIL#<email>, SK=EMAIL. Written first, in its own partition, so one
   * address can belong to one tenant only and "taken by another tenant" is a conditional-check failure, not a Cognito read.
   */
  /** A tenant's claim on an email domain: PK=TENANT#<t>, SK=DOMAIN#<domain>; GSI1 finds every tenant's claim on a domain. */
  domainClaim: (tenantId: string, domain: string) => ({ PK: keys.tenantPk(tenantId), SK: `${keys.domainSkPrefix}${assertDomain(domain)}` }),
  domainClaimIndex: (tenantId: string, domain: string) => ({ GSI1PK: `DOMAINCLAIM#${assertDomain(domain)}`, GSI1SK: keys.tenantPk(tenantId) }),
  domainSkPrefix: 'DOMAIN#',
  /**
   * A tenant's "removed" mark on an address: PK=TENANT#<t>, SK=REMOVED#<email>. Written when an admin removes a member,
   * deleted by the next invitation; while it exists, neither a domain policy nor SSO brings the address back.
   */
  removedMark: (tenantId: string, email: string) => ({ PK: keys.tenantPk(tenantId), SK: `REMOVED#${assertEmail(normalizeEmail(email))}` }),
  /** The one tenant that verified a domain: PK=DOMAIN#<domain>, SK=DOMAIN, written at most once (conditional). */
  domainOwner: (domain: string) => ({ PK: `DOMAIN#${assertDomain(domain)}`, SK: 'DOMAIN' }),
  /** A tenant's SSO connection (a Cognito identity provider): PK=TENANT#<t>, SK=SSO#<provider name>. */
  ssoConnection: (tenantId: string, providerName: string) => ({ PK: keys.tenantPk(tenantId), SK: `${keys.ssoSkPrefix}${assertId(providerName, 'providerName')}` }),
  ssoSkPrefix: 'SSO#',
  /** A tenant's SSO settings (enforcement): PK=TENANT#<t>, SK=SSOSETTINGS. */
  ssoSettings: (tenantId: string) => ({ PK: keys.tenantPk(tenantId), SK: 'SSOSETTINGS' }),
  /**
   * The one SSO connection of a verified domain: PK=DOMAIN#<domain>, SK=SSO (tenant, provider, enforced), written at
   * most once (conditional): one connection per domain; read by discovery and by the sign-in triggers.
   */
  ssoDomain: (domain: string) => ({ PK: `DOMAIN#${assertDomain(domain)}`, SK: 'SSO' }),
  /** The lease that serializes read-then-write changes of one app client's provider list: PK=SSOCLIENT#<client id>, SK=LOCK. */
  ssoClientLock: (clientId: string) => ({ PK: `SSOCLIENT#${assertId(clientId, 'clientId')}`, SK: 'LOCK' }),
  /**
   * A console session (src/session/sessions.ts): PK=SESSION#<id>, SK=SESSION, where the id is derived from the cookie's
   * secret (src/session/secret.ts), never the secret itself. In no tenant's partition: a session is a person's.
   */
  session: (sessionId: string) => {
    if (!/^[0-9a-f]{64}$/.test(sessionId)) throw new InvalidIdError('session id')
    return { PK: `SESSION#${sessionId}`, SK: 'SESSION' }
  },
  emailClaim: (email: string) => ({ PK: `EMAIL#${assertEmail(normalizeEmail(email))}`, SK: 'EMAIL' }),
  /**
   * A shared limit's counter for one window: PK=LIMIT#<limit>#<subject>, SK=WINDOW#<window start, epoch ms>. The key
   * carries the window, so a count never outlives its window whether or not TTL has deleted the item yet (TTL only
   * cleans up). In its own partition per subject: a busy tenant's counter never shares its data's partition.
   */
  limitWindow: (limit: string, subject: string, windowStartMs: number) => {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(limit) || !Number.isSafeInteger(windowStartMs)) throw new Error(`Not a limit window: ${limit} ${windowStartMs}`)
    return { PK: `LIMIT#${limit}#${limitSubject(subject)}`, SK: `WINDOW#${windowStartMs}` }
  },
  /** The attribute of a limit window item that counts one tenant's share ('' = calls on no tenant's behalf). */
  limitShareAttribute: (tenantId: string) => tenantId === '' ? 'share:operator' : `share:${assertId(tenantId, 'tenantId')}`
}
