// Verified domains: a tenant claims an email domain, publishes a TXT record, and owns the domain once DNS shows it.
import { randomBytes } from 'node:crypto'
import { Resolver } from 'node:dns/promises'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../domain/errors.js'
import { isConsumerDomain } from '../domain/domain-name.js'
import { domainsRepository, type DomainClaim, type DomainPolicy } from '../repositories/domains.js'
import { auditRepository, type ActorRef } from '../repositories/audit.js'
import { ssoRepository } from '../repositories/sso.js'
import { transact, TransactionCancelled } from '../repositories/transact.js'

/** Where the proof is published, and what it says: `_tenant-verification.<domain> TXT "tenant-verification=<token>"`. */
export const TXT_PREFIX = '_tenant-verification'
export const TXT_VALUE_PREFIX = 'tenant-verification='

export interface DomainView {
  domain: string
  status: 'pending' | 'verified' | 'ended' | 'expired'
  createdAt: string
  verifiedAt?: string
  expiresAt?: string
  /** Verified only: what the domain does for people with an address there. */
  policy?: DomainPolicy
  /** While pending: the record to publish. */
  record?: { name: string, type: 'TXT', value: string }
}

/** A TXT lookup: the records' strings (each record's chunks joined), [] when the name has none. */
export type TxtLookup = (name: string) => Promise<string[]>

/** node:dns against `servers` (host:port; empty: the system's resolvers), bounded in time. */
export function dnsTxtLookup (servers: readonly string[], timeoutMs = 2000): TxtLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 })
  if (servers.length > 0) resolver.setServers(servers)
  return async (name) => {
    try {
      return (await resolver.resolveTxt(name)).map(chunks => chunks.join(''))
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'ENODATA' || code === 'ENOTFOUND') return []
      throw Object.assign(new ServiceUnavailableError('The DNS lookup failed; retry later'), { cause: err, headers: { 'Retry-After': '5' } })
    }
  }
}

export interface DomainsDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  lookupTxt: TxtLookup
  claimTtlSeconds: number
  now?: () => Date
}

export function createDomains (deps: DomainsDeps) {
  const repo = domainsRepository(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const nowSeconds = () => Math.floor(now().getTime() / 1000)
  const expired = (c: DomainClaim) => c.status === 'pending' && c.expiresAt !== undefined && c.expiresAt <= nowSeconds()

  function view (c: DomainClaim, owner: string | null, policy?: DomainPolicy): DomainView {
    const status = c.status === 'verified' ? 'verified' : c.status === 'ended' || (owner !== null && owner !== c.tenantId) ? 'ended' : expired(c) ? 'expired' : 'pending'
    return {
      domain: c.domain,
      status,
      createdAt: c.createdAt,
      ...(c.verifiedAt !== undefined ? { verifiedAt: c.verifiedAt } : {}),
      ...(status === 'verified' ? { policy: policy ?? 'off' } : {}),
      ...(status === 'pending' && c.expiresAt !== undefined ? { expiresAt: new Date(c.expiresAt * 1000).toISOString() } : {}),
      ...(status === 'pending' ? { record: { name: `${TXT_PREFIX}.${c.domain}`, type: 'TXT' as const, value: `${TXT_VALUE_PREFIX}${c.token}` } } : {})
    }
  }

  /** The claim of this tenant that a request names: 404 when there is none (or it expired). */
  async function claimOf (scope: TenantScope, domain: string): Promise<DomainClaim> {
    const c = await repo.get(scope, domain)
    if (!c || expired(c)) throw new NotFoundError('Domain claim')
    return c
  }

  return {
    /**
     * Claims a domain: 201 with the TXT record to publish. A consumer mail domain is refused (400); a domain some tenant
     * verified cannot be claimed again (409). Several tenants may hold pending claims on one domain; a pending claim of
     * this tenant is answered again as it is (`created` false), an expired or ended one is replaced with a new token.
     */
    async claim (scope: TenantScope, domain: string, actor: ActorRef): Promise<{ view: DomainView, created: boolean }> {
      if (await isConsumerDomain(domain)) throw new BadRequestError('A consumer mail domain cannot be verified by a tenant')
      const owner = await repo.ownerOf(domain)
      if (owner !== null) throw new ConflictError(owner === scope.tenantId ? 'This tenant has verified the domain already' : 'The domain is verified by another tenant')
      const existing = await repo.get(scope, domain)
      if (existing && existing.status === 'pending' && !expired(existing)) return { view: view(existing, owner), created: false }
      const claim: DomainClaim = {
        tenantId: scope.tenantId,
        domain,
        token: randomBytes(24).toString('base64url'),
        status: 'pending',
        createdAt: now().toISOString(),
        expiresAt: nowSeconds() + deps.claimTtlSeconds
      }
      await transact(deps.dynamo.doc, [repo.putPending(claim), audit.put(scope, { actor, action: 'domain.claimed', target: scope.tenantId, details: { domain } })])
      return { view: view(claim, null), created: true }
    },

    /**
     * Checks the TXT record in DNS. Found: the first tenant to verify owns the domain (a conditional write), and the
     * other tenants' pending claims end. Not found: 409 with what DNS holds at that name.
     */
    async verify (scope: TenantScope, domain: string, actor: ActorRef): Promise<DomainView> {
      const c = await claimOf(scope, domain)
      const owner = await repo.ownerOf(domain)
      if (c.status === 'verified' && owner === scope.tenantId) return view(c, owner)
      if (c.status === 'ended' || (owner !== null && owner !== scope.tenantId)) throw new ConflictError('The domain is verified by another tenant')
      const name = `${TXT_PREFIX}.${domain}`
      const expected = `${TXT_VALUE_PREFIX}${c.token}`
      const found = await deps.lookupTxt(name)
      if (!found.includes(expected)) {
        // What DNS holds there (at most ten records), so the admin can see a typo or a stale token.
        const seen = found.slice(0, 10).map(value => ({ path: name, message: `found ${JSON.stringify(value)}` }))
        throw Object.assign(new ConflictError(`No TXT record ${JSON.stringify(expected)} at ${name} yet`), { problemErrors: seen.length > 0 ? seen : [{ path: name, message: 'no TXT record found' }] })
      }
      const at = now().toISOString()
      try {
        await transact(deps.dynamo.doc, [...repo.verifyItems(scope, domain, c.token, at), audit.put(scope, { actor, action: 'domain.verified', target: scope.tenantId, details: { domain } })])
      } catch (err) {
        if (err instanceof TransactionCancelled && err.failedAt(0)) throw new ConflictError('The domain is verified by another tenant')
        if (err instanceof TransactionCancelled && err.failedAt(1)) throw new ConflictError('The claim changed meanwhile; retry')
        throw err
      }
      for (const tenantId of await repo.claimantsOf(domain)) if (tenantId !== scope.tenantId) await repo.end(tenantId, domain)
      return view({ ...c, status: 'verified', verifiedAt: at }, scope.tenantId)
    },

    async list (scope: TenantScope): Promise<DomainView[]> {
      const claims = await repo.list(scope)
      const owners = await Promise.all(claims.map(async c => await repo.owner(c.domain)))
      return claims.map((c, i) => view(c, owners[i]?.tenantId ?? null, owners[i]?.policy)).sort((a, b) => a.domain.localeCompare(b.domain))
    },

    /**
     * What a verified domain of this tenant does for people with an address there: off, suggest (the tenant is offered
     * among their invitations) or join (a `members` membership at their next sign-in). Audited.
     */
    async setPolicy (scope: TenantScope, domain: string, policy: DomainPolicy, actor: ActorRef): Promise<DomainView> {
      const c = await claimOf(scope, domain)
      const owner = await repo.owner(domain)
      if (c.status !== 'verified' || owner?.tenantId !== scope.tenantId) throw new ConflictError('Verify the domain first')
      if (owner.policy !== policy) {
        try {
          await transact(deps.dynamo.doc, [repo.setPolicy(scope, domain, policy), audit.put(scope, { actor, action: 'domain.policy_changed', target: scope.tenantId, details: { domain, from: owner.policy, to: policy } })])
        } catch (err) {
          if (err instanceof TransactionCancelled && err.failedAt(0)) throw new ConflictError('The domain is no longer this tenant\'s')
          throw err
        }
      }
      return view(c, scope.tenantId, policy)
    },

    /** The claim goes; a verified domain is released (another tenant may then claim it), once no SSO connection serves it (409). */
    async remove (scope: TenantScope, domain: string, actor: ActorRef): Promise<void> {
      const c = await repo.get(scope, domain)
      if (!c) throw new NotFoundError('Domain claim')
      const owned = c.status === 'verified' && (await repo.ownerOf(domain)) === scope.tenantId
      // An SSO connection serves it: sign-in would keep routing (and enforcing) for a domain the tenant no longer owns.
      if (owned && (await ssoRepository(deps.dynamo).domain(domain, { consistent: true }))?.tenantId === scope.tenantId) throw new ConflictError('An SSO connection serves this domain: delete the connection first')
      await transact(deps.dynamo.doc, [...repo.removeItems(scope, domain, owned), audit.put(scope, { actor, action: 'domain.removed', target: scope.tenantId, details: { domain, wasVerified: owned } })])
    }
  }
}
export type Domains = ReturnType<typeof createDomains>
