// SSO connections for a tenant's admins: validate the IdP, create the Cognito provider on the tenant's verified domains, add it to the app client; list without secrets; delete.
import { randomBytes } from 'node:crypto'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { domainOf, DOMAIN_REGEX } from '../../domain/domain-name.js'
import { BadRequestError, ConflictError, NotFoundError } from '../../domain/errors.js'
import { domainsRepository } from '../../repositories/domains.js'
import { ssoRepository, type SsoConnection } from '../../repositories/sso.js'
import { auditRepository } from '../../repositories/audit.js'
import { transact, TransactionCancelled } from '../../repositories/transact.js'
import type { UserPoolClient } from '../../cognito/user-pool.js'
import { clientProviders } from './client-providers.js'
import { discoverOidc, samlMetadata } from './validate.js'

export type ConnectionInput =
  | { type: 'OIDC', issuer: string, clientId: string, clientSecret: string, scopes?: string[], domains?: string[] }
  | { type: 'SAML', metadataUrl?: string, metadata?: string, emailAttribute?: string, domains?: string[] }

export interface SsoDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  cognito: UserPoolClient
  /** The app client whose SupportedIdentityProviders list the connections. */
  clientId: string
  allowPrivateUrls: boolean
  /** The managed login domain (COGNITO_DOMAIN), for the URLs the customer's IT admin enters. */
  loginDomain?: string
  now?: () => Date
}

/** Details Cognito returns that are never shown: the OIDC client secret, and a SAML metadata file (long, and given by the admin anyway). */
const HIDDEN_DETAILS = new Set(['client_secret', 'MetadataFile'])
const SAML_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'

export function createSsoConnections (deps: SsoDeps) {
  const repo = ssoRepository(deps.dynamo)
  const domains = domainsRepository(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const now = deps.now ?? (() => new Date())
  const fetchOpts = { allowPrivate: deps.allowPrivateUrls }
  const list = clientProviders({ repo, clientId: deps.clientId, change: async (id, change) => await deps.cognito.changeClientProviders(id, change) })
  const poolId = deps.cognito.userPoolId

  /** What the customer's IT admin enters at their IdP (Cognito's fixed paths on the managed login domain). */
  function setup (c: SsoConnection) {
    const base = deps.loginDomain === undefined ? undefined : `https://${deps.loginDomain}`
    return {
      ...(deps.loginDomain !== undefined ? { loginDomain: deps.loginDomain } : {}),
      ...(c.type === 'SAML' ? { samlEntityId: `urn:amazon:cognito:sp:${poolId}` } : {}),
      ...(c.type === 'SAML' && base !== undefined ? { acsUrl: `${base}/saml2/idpresponse` } : {}),
      ...(c.type === 'OIDC' && base !== undefined ? { redirectUri: `${base}/oauth2/idpresponse` } : {})
    }
  }
  const view = (c: SsoConnection, details?: Record<string, string>) => ({
    ...c,
    ...(details !== undefined ? { details: Object.fromEntries(Object.entries(details).filter(([k]) => !HIDDEN_DETAILS.has(k))) } : {}),
    setup: setup(c)
  })
  type View = ReturnType<typeof view>

  /** The domains the connection will serve: those asked for, each verified by this tenant and not connected yet. */
  async function domainsFor (scope: TenantScope, asked: string[] | undefined): Promise<string[]> {
    const verified: string[] = []
    for (const claim of await domains.list(scope)) {
      if (claim.status === 'verified' && (await domains.ownerOf(claim.domain)) === scope.tenantId) verified.push(claim.domain)
    }
    const wanted = asked ?? verified
    const unverified = wanted.filter(d => !verified.includes(d))
    if (unverified.length > 0) throw Object.assign(new ConflictError(`Verify the domain first: ${unverified.join(', ')}`), { problemErrors: unverified.map(d => ({ path: 'domains', message: `${d} is not verified by this tenant` })) })
    const taken: string[] = []
    for (const d of wanted) if ((await repo.domain(d, { consistent: true })) !== null) taken.push(d)
    if (asked !== undefined && taken.length > 0) throw Object.assign(new ConflictError(`A domain has an SSO connection already: ${taken.join(', ')}`), { problemErrors: taken.map(d => ({ path: 'domains', message: `${d} has a connection` })) })
    const free = wanted.filter(d => !taken.includes(d))
    if (free.length === 0) throw new ConflictError(verified.length === 0 ? 'Verify a domain first: a connection serves the tenant\'s verified domains' : 'Every verified domain of the tenant has an SSO connection already')
    // Cognito takes 50 identifiers per provider.
    if (free.length > 50) throw new BadRequestError('A connection serves at most 50 domains')
    return free
  }

  /** Cognito's refusals that are the input's fault, as 400/409; anything else stays as it is. */
  function fromCognito (err: unknown): unknown {
    const name = (err as Error).name
    if (name === 'LimitExceededException') return new ConflictError('The user pool has reached its limit of 300 identity providers')
    if (name === 'InvalidParameterException' || name === 'DuplicateProviderException') return new BadRequestError(`The identity service refused the connection: ${(err as Error).message}`)
    return err
  }

  return {
    async create (scope: TenantScope, input: ConnectionInput, actor: string): Promise<View> {
      const connected = await domainsFor(scope, input.domains)
      const providerName = `sso-${randomBytes(6).toString('hex')}`
      const createdAt = now().toISOString()
      let connection: SsoConnection
      let details: Record<string, string>
      let attributeMapping: Record<string, string>
      if (input.type === 'OIDC') {
        const scopes = input.scopes ?? ['openid', 'email', 'profile']
        if (!scopes.includes('openid')) throw Object.assign(new BadRequestError('The scopes must include openid'), { problemErrors: [{ path: 'scopes', message: 'openid missing' }] })
        const discovered = await discoverOidc(input.issuer, fetchOpts)
        connection = { tenantId: scope.tenantId, providerName, type: 'OIDC', domains: connected, createdAt, issuer: discovered.issuer, clientId: input.clientId, scopes }
        details = { client_id: input.clientId, client_secret: input.clientSecret, authorize_scopes: scopes.join(' '), oidc_issuer: discovered.issuer, attributes_request_method: 'GET' }
        attributeMapping = { email: 'email', email_verified: 'email_verified' }
      } else {
        if ((input.metadataUrl === undefined) === (input.metadata === undefined)) throw new BadRequestError('Give metadataUrl or metadata (the XML), one of them')
        const { checked } = await samlMetadata(input, fetchOpts)
        connection = { tenantId: scope.tenantId, providerName, type: 'SAML', domains: connected, createdAt, idpEntityId: checked.entityId, ...(input.metadataUrl !== undefined ? { metadataUrl: input.metadataUrl } : {}) }
        details = input.metadataUrl !== undefined ? { MetadataURL: input.metadataUrl } : { MetadataFile: input.metadata as string }
        attributeMapping = { email: input.emailAttribute ?? SAML_EMAIL }
      }
      const enforced = await repo.enforced(scope)
      try {
        await transact(deps.dynamo.doc, [...repo.createItems(connection, enforced), audit.put(scope, { actor, action: 'sso.connection_created', target: scope.tenantId, details: { providerName, type: connection.type, domains: connected } })])
      } catch (err) {
        if (err instanceof TransactionCancelled) throw new ConflictError('A domain got an SSO connection meanwhile; retry')
        throw err
      }
      const cognito = deps.cognito.forTenant(scope.tenantId)
      try {
        await cognito.createProvider({ name: providerName, type: connection.type, details, attributeMapping, identifiers: connected })
        await list.add(providerName)
      } catch (err) {
        // Undo, so the domains are free again and no provider is left that no connection names.
        await cognito.deleteProvider(providerName)
        await transact(deps.dynamo.doc, repo.deleteItems(connection))
        throw fromCognito(err)
      }
      return view(connection, Object.fromEntries(Object.entries(details).filter(([k]) => !HIDDEN_DETAILS.has(k))))
    },

    /** The tenant's connections, with Cognito's current details of each, never a secret. */
    async list (scope: TenantScope): Promise<View[]> {
      const cognito = deps.cognito.forTenant(scope.tenantId)
      const connections = await repo.list(scope)
      const described = await Promise.all(connections.map(async c => await cognito.describeProvider(c.providerName)))
      return connections.map((c, i) => view(c, described[i]?.details ?? {})).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    },

    /** Off the client first (no sign-in starts through it), then the provider, then the records. */
    async remove (scope: TenantScope, providerName: string, actor: string): Promise<void> {
      const c = await repo.get(scope, providerName)
      if (c === null) throw new NotFoundError('SSO connection')
      await list.remove(providerName)
      await deps.cognito.forTenant(scope.tenantId).deleteProvider(providerName)
      // Again, now that the provider is gone: a deploy's re-apply (src/services/sso/reapply.ts) that took the lease
      // between the two steps put it back; once it is gone, no re-apply adds it (decision 0022).
      await list.remove(providerName)
      await transact(deps.dynamo.doc, [...repo.deleteItems(c), audit.put(scope, { actor, action: 'sso.connection_deleted', target: scope.tenantId, details: { providerName, domains: c.domains } })])
    },

    /**
     * Public discovery: whether the email's domain signs in through SSO, the provider's name, and whether password
     * sign-in is refused there (the sign-in page offers it only when not; the pre authentication trigger refuses it anyway).
     */
    async discover (email: string): Promise<{ sso: boolean, providerName?: string, required?: boolean }> {
      const domain = domainOf(email)
      const found = DOMAIN_REGEX.test(domain) ? await repo.domain(domain) : null
      return found === null ? { sso: false } : { sso: true, providerName: found.providerName, required: found.enforced }
    }
  }
}
export type SsoConnections = ReturnType<typeof createSsoConnections>
