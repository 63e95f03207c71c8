// Shared steps of the SSO tests: an OIDC issuer on loopback (discovery only), a verified domain, a connection.
import Fastify from 'fastify'
import type { Test } from 'tap'
import { orgHelpers, uniq } from './org.js'
import { startUsersStack } from './users-stack.js'
import { startDnsServer } from './dns-server.js'
import { localCognitoClient } from '../../src/local/clients.js'

type Auth = { authorization: string }
interface Injector { inject: (opts: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers?: Record<string, string>, payload?: Record<string, unknown> }) => Promise<{ statusCode: number, body: string, json: () => any }> }

/** A customer's OpenID provider as far as discovery goes: each issuer() is a new path serving its document. */
export async function startOidcIssuer (t: Test, samlMetadata?: string) {
  const server = Fastify()
  // The SAML IdP's metadata, when a test fetches it by URL.
  if (samlMetadata !== undefined) server.get('/saml/metadata', async (_request, reply) => reply.type('application/xml').send(samlMetadata))
  const documents = new Map<string, Record<string, unknown>>()
  server.get('/:name/.well-known/openid-configuration', async (request, reply) => {
    const doc = documents.get((request.params as { name: string }).name)
    return doc === undefined ? reply.code(404).send({}) : doc
  })
  const base = await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  return {
    base,
    server,
    issuer (shape: 'good' | 'no-jwks' | 'wrong-issuer' = 'good') {
      const name = `${shape}-${uniq()}`
      const iss = `${base}/${name}`
      const doc: Record<string, unknown> = { issuer: shape === 'wrong-issuer' ? 'https://elsewhere.example' : iss, authorization_endpoint: `${iss}/authorize`, token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks` }
      if (shape === 'no-jwks') delete doc.jwks_uri
      documents.set(name, doc)
      return iss
    }
  }
}

/** Tenant `a` claims a fresh domain and verifies it against the test's DNS server. */
export async function verifiedDomain (app: Injector, dns: { txt: Map<string, string[]> }, a: { auth: Auth }) {
  const domain = `corp-${uniq()}.example`
  const claim = (await app.inject({ method: 'POST', url: '/domains', headers: a.auth, payload: { domain } })).json()
  dns.txt.set(claim.record.name, [claim.record.value])
  const verified = await app.inject({ method: 'POST', url: `/domains/${domain}/verify`, headers: a.auth })
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.body}`)
  return domain
}

/** An OIDC connection of tenant `a` on its verified domains: the provider's name. */
export async function oidcConnection (app: Injector, a: { auth: Auth }, issuer: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/sso-connections', headers: a.auth, payload: { type: 'OIDC', issuer, clientId: 'c', clientSecret: 's' } })
  if (res.statusCode !== 201) throw new Error(`connection: ${res.body}`)
  return res.json().providerName as string
}

/**
 * What every SSO test starts: a DNS server and an OIDC issuer on loopback, the users stack, an app that may fetch from
 * them (SSO_ALLOW_PRIVATE_URLS), a platform admin, the organization helpers, and a Cognito client through the shim.
 */
export async function startSsoStack (t: Test) {
  const dns = await startDnsServer(t)
  const idp = await startOidcIssuer(t)
  const stack = await startUsersStack(t)
  const app = await stack.app(t, { DNS_SERVERS: dns.server, SSO_ALLOW_PRIVATE_URLS: 'true' })
  const operator = stack.bearer(await stack.platformAdminToken())
  const cognito = localCognitoClient(stack.shim.endpoint)
  t.teardown(() => cognito.destroy())
  return { dns, idp, stack, app, operator, org: orgHelpers(stack, app, operator), cognito }
}
