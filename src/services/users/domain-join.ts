// Membership through a verified domain: who a tenant's domain policy offers itself to, and the join itself.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { domainOf, DOMAIN_REGEX } from '../../domain/domain-name.js'
import { mintTenantScope } from '../../domain/tenant-scope.js'
import { keys, normalizeEmail } from '../../repositories/keys.js'
import { domainsRepository, type DomainOwner } from '../../repositories/domains.js'
import { tenantsRepository } from '../../repositories/tenants.js'
import { auditRepository } from '../../repositories/audit.js'
import { accountsRepository } from '../../repositories/accounts.js'
import { emailRecords } from '../../repositories/email-records.js'
import { transact, TransactionCancelled, type TransactItem } from '../../repositories/transact.js'
import type { MembershipRecord } from '../../repositories/memberships.js'
import { membershipLedger } from './ledger.js'

export interface DomainOffer { tenantId: string, name: string, domain: string, policy: 'suggest' | 'join' }

export function domainJoining (deps: { dynamo: { doc: DynamoDBDocumentClient, tableName: string }, now?: () => Date }) {
  const { doc, tableName } = deps.dynamo
  const domains = domainsRepository(deps.dynamo)
  const tenants = tenantsRepository(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const ledger = membershipLedger(deps)
  const now = deps.now ?? (() => new Date())
  const exists = async (key: Record<string, string>) => (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item !== undefined

  /**
   * The tenant whose verified domain the address is at, when its policy offers it (suggest or join) and the tenant is
   * active, and the person has no membership there and was not removed by it (a removal mark, until re-invited).
   */
  async function offerFor (userId: string, email: string): Promise<DomainOffer | null> {
    const domain = domainOf(normalizeEmail(email))
    if (!DOMAIN_REGEX.test(domain)) return null
    const owner: DomainOwner | null = await domains.owner(domain)
    if (owner === null || owner.policy === 'off') return null
    const [tenant, member, removed] = await Promise.all([
      tenants.get(owner.tenantId, { consistent: true }),
      exists(keys.membership(owner.tenantId, userId)),
      exists(keys.removedMark(owner.tenantId, email))
    ])
    if (tenant === null || tenant.status !== 'active' || member || removed) return null
    return { tenantId: owner.tenantId, name: tenant.name, domain, policy: owner.policy }
  }

  /**
   * Makes the person an active `members` member of the offering tenant, audited there (`user.joined`, with the
   * domain, and `via`: the policy, or sso for a federated sign-in). Idempotent: a membership that exists already (a concurrent sign-in) is left as it is. The caller has
   * checked that `email` is the account's current, verified address.
   */
  async function join (user: { userId: string, username: string, email: string }, offer: DomainOffer, via: DomainOffer['policy'] | 'sso' = offer.policy): Promise<boolean> {
    const at = now().toISOString()
    const email = normalizeEmail(user.email)
    const m: MembershipRecord = { tenantId: offer.tenantId, userId: user.userId, email, groups: ['members'], status: 'active', createdAt: at, updatedAt: at, cognitoUsername: user.username }
    const items: TransactItem[] = [
      ...ledger.addItems(m),
      // The caller confirmed the address is the account's now: its record names this person (replacing a stale one).
      emailRecords(deps.dynamo).putOwned({ email, status: 'user', userId: user.userId, username: user.username, createdAt: at }),
      audit.put(mintTenantScope(offer.tenantId), { actor: { userId: user.userId, email }, action: 'user.joined', target: user.userId, targetEmail: email, details: { email, domain: offer.domain, via } })
    ]
    try {
      await transact(doc, items)
      return true
    } catch (err) {
      if (err instanceof TransactionCancelled && err.failedAt(0)) return false
      throw err
    }
  }

  return {
    offerFor,

    /**
     * A self sign-up at an address whose verified domain offers a tenant: instead of founding a tenant, the person joins
     * it (join) or is left to accept it from their invitations (suggest; their account and email records are written
     * so that GET /me/invitations can offer it). Cognito has just confirmed the address. Returns whether it applied.
     */
    async onSignUp (user: { userId: string, username: string, email: string }): Promise<boolean> {
      const offer = await offerFor(user.userId, user.email)
      if (offer === null) return false
      if (offer.policy === 'join') {
        await join(user, offer)
      } else {
        const at = now().toISOString()
        await transact(doc, [
          accountsRepository(deps.dynamo).register(user, normalizeEmail(user.email)),
          emailRecords(deps.dynamo).putOwned({ email: normalizeEmail(user.email), status: 'user', userId: user.userId, username: user.username, createdAt: at })
        ])
      }
      return true
    },

    /** At a sign-in (pre token generation): a verified address whose domain's policy is join makes the person a member. */
    async onSignIn (user: { userId: string, username: string, email: string, emailVerified: boolean }): Promise<void> {
      if (!user.emailVerified) return
      const offer = await offerFor(user.userId, user.email)
      if (offer?.policy === 'join') await join(user, offer)
    },
    join
  }
}
export type DomainJoining = ReturnType<typeof domainJoining>
