// Just-in-time membership through SSO: a federated sign-in through a tenant's connection makes the person its member, only at a domain that tenant verified.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { domainOf, DOMAIN_REGEX } from '../../domain/domain-name.js'
import { keys, normalizeEmail } from '../../repositories/keys.js'
import { domainsRepository } from '../../repositories/domains.js'
import { ssoRepository } from '../../repositories/sso.js'
import { tenantsRepository } from '../../repositories/tenants.js'
import { domainJoining } from './domain-join.js'

export interface SsoTenant { tenantId: string, domain: string, providerName: string }

export function ssoJoining (deps: { dynamo: { doc: DynamoDBDocumentClient, tableName: string }, now?: () => Date }) {
  const { doc, tableName } = deps.dynamo
  const sso = ssoRepository(deps.dynamo)
  const domains = domainsRepository(deps.dynamo)
  const tenants = tenantsRepository(deps.dynamo)
  const joining = domainJoining(deps)
  const exists = async (key: Record<string, string>) => (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item !== undefined

  /**
   * The tenant whose connection `providerName` is, when that connection serves the address's domain and the tenant
   * still owns the domain (verified). Anything else is null: a tenant's identity provider speaks for its own verified
   * domains only, or any tenant's provider could assert any address and take over its account.
   */
  async function tenantFor (email: string, providerName: string): Promise<SsoTenant | null> {
    const domain = domainOf(normalizeEmail(email))
    if (!DOMAIN_REGEX.test(domain)) return null
    const route = await sso.domain(domain, { consistent: true })
    if (route === null || route.providerName !== providerName) return null
    const owner = await domains.owner(domain)
    if (owner?.tenantId !== route.tenantId) return null
    return { tenantId: route.tenantId, domain, providerName }
  }

  return {
    tenantFor,

    /**
     * A sign-in through `providerName`: an active `members` membership in its tenant (through the ledger, audited as
     * user.joined via sso), when the tenant verified the address's domain, is active, and neither holds a membership of
     * the person already (whatever its status: a disabled member stays disabled) nor removed them (until re-invited).
     * Idempotent: a repeat, or a concurrent sign-in, finds the membership and adds nothing. Returns whether it joined.
     */
    async onFederatedSignIn (user: { userId: string, username: string, email: string }, providerName: string): Promise<boolean> {
      const found = await tenantFor(user.email, providerName)
      if (found === null) return false
      const [tenant, member, removed] = await Promise.all([
        tenants.get(found.tenantId, { consistent: true }),
        exists(keys.membership(found.tenantId, user.userId)),
        exists(keys.removedMark(found.tenantId, user.email))
      ])
      if (tenant === null || tenant.status !== 'active' || member || removed) return false
      return await joining.join(user, { tenantId: found.tenantId, name: tenant.name, domain: found.domain, policy: 'join' }, 'sso')
    }
  }
}
export type SsoJoining = ReturnType<typeof ssoJoining>
