// SSO connections end to end: an OIDC issuer (a tiny Fastify server on loopback, with SSO_ALLOW_PRIVATE_URLS on) and
// SAML metadata (a fixture) are checked before the provider is created at the Cognito shim, on the tenant's verified
// domains, and added to the app client; listed without secrets; deleted. Two tenants connecting at once both end up
// in the client's provider list. Without the setting, loopback and plain http are refused.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { CreateIdentityProviderCommand, DeleteIdentityProviderCommand, DescribeIdentityProviderCommand, DescribeUserPoolClientCommand, ListIdentityProvidersCommand } from '@aws-sdk/client-cognito-identity-provider'
import { localCognitoClient } from '../../src/local/clients.js'
import { startUsersStack } from '../helpers/users-stack.js'
import { orgHelpers } from '../helpers/org.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { startOidcIssuer, verifiedDomain as verifiedDomainOf } from '../helpers/sso.js'

const metadata = readFileSync(new URL('../fixtures/saml-idp-metadata.xml', import.meta.url), 'utf8')

const idp = await startOidcIssuer(t, metadata)
const idpBase = idp.base
const issuer = idp.issuer

const dns = await startDnsServer(t)
const stack = await startUsersStack(t)
const app = await stack.app(t, { DNS_SERVERS: dns.server, SSO_ALLOW_PRIVATE_URLS: 'true', COGNITO_DOMAIN: 'auth.example.test' })
const strict = await stack.app(t, { DNS_SERVERS: dns.server })
const operator = stack.bearer(await stack.platformAdminToken())
const { onboard } = orgHelpers(stack, app, operator)
const { userPoolId, clientId } = stack.services
// Through the shim, which answers the identity-provider operations cognito-local lacks.
const cognitoClient = localCognitoClient(stack.shim.endpoint)
t.teardown(() => cognitoClient.destroy())
type Auth = { authorization: string }

const verifiedDomain = async (a: { auth: Auth }) => await verifiedDomainOf(app, dns, a)
const clientProviders = async () => (await cognitoClient.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }))).UserPoolClient?.SupportedIdentityProviders ?? []
const post = (auth: Auth, payload: Record<string, unknown>, via = app) => via.inject({ method: 'POST', url: '/sso-connections', headers: auth, payload })
const discover = async (email: string) => (await app.inject({ url: `/sso/discover?email=${encodeURIComponent(email)}` })).json()

t.test('an OIDC connection: checked, created on the verified domain, in the client, listed without the secret, deleted', async t => {
  const a = await onboard()
  const domain = await verifiedDomain(a)
  const iss = issuer()
  const created = await post(a.auth, { type: 'OIDC', issuer: iss, clientId: 'acme-client', clientSecret: 'very-secret-value' })
  t.equal(created.statusCode, 201, created.body)
  const name = created.json().providerName as string
  t.match(created.json(), { type: 'OIDC', domains: [domain], issuer: iss, clientId: 'acme-client', scopes: ['openid', 'email', 'profile'], setup: { loginDomain: 'auth.example.test', redirectUri: 'https://auth.example.test/oauth2/idpresponse' } })
  t.ok(name.length <= 32 && /^sso-/.test(name), 'a short generated name')
  t.notMatch(created.body, /very-secret-value|client_secret/, 'no secret in the answer')

  const provider = (await cognitoClient.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name }))).IdentityProvider
  t.same(provider?.IdpIdentifiers, [domain], 'the verified domain is the identifier')
  t.equal(provider?.ProviderDetails?.client_secret, 'very-secret-value', 'Cognito holds the secret (and Describe returns it)')
  t.ok((await clientProviders()).includes(name), 'in the app client\'s SupportedIdentityProviders')
  t.ok((await clientProviders()).includes('COGNITO'), 'password sign-in stays')

  const listed = await app.inject({ url: '/sso-connections', headers: a.auth })
  t.equal(listed.statusCode, 200)
  t.match(listed.json().items, [{ providerName: name, details: { client_id: 'acme-client', oidc_issuer: iss } }])
  t.notMatch(listed.body, /very-secret-value|client_secret/, 'GET strips the secret Describe returns')

  t.same(await discover(`someone@${domain}`), { sso: true, providerName: name, required: false })
  t.same(await discover('someone@elsewhere.example'), { sso: false })
  const again = await post(a.auth, { type: 'OIDC', issuer: iss, clientId: 'x', clientSecret: 'y', domains: [domain] })
  t.equal(again.statusCode, 409, 'one connection per domain')

  t.equal((await app.inject({ method: 'DELETE', url: `/domains/${domain}`, headers: a.auth })).statusCode, 409, 'a domain a connection serves is not released')
  const deleted = await app.inject({ method: 'DELETE', url: `/sso-connections/${name}`, headers: a.auth })
  t.equal(deleted.statusCode, 204)
  t.notOk((await clientProviders()).includes(name), 'off the client')
  await t.rejects(cognitoClient.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })), { name: 'ResourceNotFoundException' }, 'the provider is gone')
  t.same(await discover(`someone@${domain}`), { sso: false })
  t.equal((await app.inject({ method: 'DELETE', url: `/sso-connections/${name}`, headers: a.auth })).statusCode, 404)
  const audit = (await app.inject({ url: '/audit', headers: a.auth })).json().items.map((e: { action: string }) => e.action)
  t.ok(audit.includes('sso.connection_created') && audit.includes('sso.connection_deleted'), 'audited')
})

t.test('a SAML connection from metadata XML and from a metadata URL: what the IdP admin needs', async t => {
  const a = await onboard()
  const [d1, d2] = [await verifiedDomain(a), await verifiedDomain(a)]
  const inline = await post(a.auth, { type: 'SAML', metadata, domains: [d1] })
  t.equal(inline.statusCode, 201, inline.body)
  t.match(inline.json(), { type: 'SAML', domains: [d1], idpEntityId: 'https://idp.acme.example/saml', setup: { samlEntityId: `urn:amazon:cognito:sp:${userPoolId}`, acsUrl: 'https://auth.example.test/saml2/idpresponse' } })
  const byUrl = await post(a.auth, { type: 'SAML', metadataUrl: `${idpBase}/saml/metadata` })
  t.equal(byUrl.statusCode, 201, byUrl.body)
  t.same(byUrl.json().domains, [d2], 'the verified domain without a connection')
  const listed = (await app.inject({ url: '/sso-connections', headers: a.auth })).json().items
  t.equal(listed.length, 2)
  t.notMatch(JSON.stringify(listed), /MetadataFile|X509Certificate/, 'the metadata file is not echoed')
  t.equal((await post(a.auth, { type: 'SAML', metadata })).statusCode, 409, 'every verified domain has a connection')
})

t.test('bad input: a clear 400 naming what is wrong, nothing created', async t => {
  const a = await onboard()
  await verifiedDomain(a)
  const before = (await clientProviders()).length
  const noJwks = await post(a.auth, { type: 'OIDC', issuer: issuer('no-jwks'), clientId: 'c', clientSecret: 's' })
  t.equal(noJwks.statusCode, 400)
  t.match(noJwks.json(), { detail: /jwks_uri missing/, errors: [{ path: 'jwks_uri', message: 'missing' }] })
  const wrong = await post(a.auth, { type: 'OIDC', issuer: issuer('wrong-issuer'), clientId: 'c', clientSecret: 's' })
  t.match(wrong.json(), { status: 400, errors: [{ path: 'issuer', message: /elsewhere/ }] })
  const missing = await post(a.auth, { type: 'OIDC', issuer: `${idpBase}/nobody`, clientId: 'c', clientSecret: 's' })
  t.match(missing.json(), { status: 400, detail: /answered 404/ })
  const noOpenid = await post(a.auth, { type: 'OIDC', issuer: issuer(), clientId: 'c', clientSecret: 's', scopes: ['email'] })
  t.match(noOpenid.json(), { status: 400, detail: /openid/ })

  const noCert = metadata.replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, '')
  t.match((await post(a.auth, { type: 'SAML', metadata: noCert })).json(), { status: 400, errors: [{ message: /no signing certificate/ }] })
  t.match((await post(a.auth, { type: 'SAML', metadata: '<md:EntityDescriptor entityID="x"/>' })).json(), { status: 400, errors: [{ message: /no IDPSSODescriptor/ }] })
  t.match((await post(a.auth, { type: 'SAML', metadata: metadata.replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>bm90IGEgY2VydA==') })).json(), { status: 400, errors: [{ message: /does not parse/ }] })
  t.match((await post(a.auth, { type: 'SAML', metadata: '<!DOCTYPE x [<!ENTITY e "e">]><x/>' })).json(), { status: 400, detail: /DOCTYPE/ })
  t.equal((await post(a.auth, { type: 'SAML' })).statusCode, 400, 'neither metadata nor a URL')
  t.equal((await post(a.auth, { type: 'OIDC', issuer: 'https://x.example' })).statusCode, 400, 'schema: client id and secret required')

  const b = await onboard()
  t.match((await post(b.auth, { type: 'SAML', metadata })).json(), { status: 409, detail: /Verify a domain first/ }, 'no verified domain')
  t.equal((await clientProviders()).length, before, 'nothing was added to the client')
  t.equal((await app.inject({ url: '/sso-connections', headers: a.auth })).json().items.length, 0)
})

t.test('without SSO_ALLOW_PRIVATE_URLS: plain http, loopback and private addresses are refused before any request', async t => {
  const a = await onboard()
  await verifiedDomain(a)
  const http = await post(a.auth, { type: 'OIDC', issuer: issuer(), clientId: 'c', clientSecret: 's' }, strict)
  t.match(http.json(), { status: 400, detail: /must use https/ })
  const loopback = await post(a.auth, { type: 'OIDC', issuer: 'https://127.0.0.1:9/x', clientId: 'c', clientSecret: 's' }, strict)
  t.match(loopback.json(), { status: 400, detail: /not a public address/ })
  const metadataService = await post(a.auth, { type: 'SAML', metadataUrl: 'https://169.254.169.254/latest/meta-data' }, strict)
  t.match(metadataService.json(), { status: 400, detail: /not a public address/ })
  const named = await post(a.auth, { type: 'OIDC', issuer: 'https://localhost:9/x', clientId: 'c', clientSecret: 's' }, strict)
  t.match(named.json(), { status: 400, detail: /localhost resolves to a non-public address/ }, 'a name is resolved and every address checked')
})

t.test('two tenants connecting at once both end up in the app client\'s provider list', async t => {
  const tenants = await Promise.all([onboard(), onboard(), onboard()])
  await Promise.all(tenants.map(verifiedDomain))
  const created = await Promise.all(tenants.map(x => post(x.auth, { type: 'OIDC', issuer: issuer(), clientId: 'c', clientSecret: 's' })))
  t.same(created.map(r => r.statusCode), [201, 201, 201], created.map(r => r.body).join('\n'))
  const names = created.map(r => r.json().providerName as string)
  const list = await clientProviders()
  for (const name of names) t.ok(list.includes(name), `${name} in the list`)
  await Promise.all(tenants.map((x, i) => app.inject({ method: 'DELETE', url: `/sso-connections/${names[i] ?? ''}`, headers: x.auth })))
  const after = await clientProviders()
  t.notOk(names.some(n => after.includes(n)), 'concurrent deletes each take theirs out')
})

t.test('discovery is public, rate limited like public routes, and refuses a malformed address', async t => {
  const res = await app.inject({ url: '/sso/discover?email=not-an-email' })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
})

t.test('the pool\'s 300-provider limit: 409, and nothing is left behind (the domain stays free)', async t => {
  const a = await onboard()
  const domain = await verifiedDomain(a)
  const existing = (await cognitoClient.send(new ListIdentityProvidersCommand({ UserPoolId: userPoolId, MaxResults: 60 }))).Providers?.length ?? 0
  const fillers: string[] = []
  for (let i = existing; i < 300; i++) {
    const name = `filler-${i}`
    await cognitoClient.send(new CreateIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name, ProviderType: 'SAML', ProviderDetails: { MetadataFile: metadata } }))
    fillers.push(name)
  }
  const full = await post(a.auth, { type: 'SAML', metadata })
  t.match(full.json(), { status: 409, detail: /limit of 300 identity providers/ })
  t.same(await discover(`x@${domain}`), { sso: false }, 'the domain is free again')
  t.equal((await app.inject({ url: '/sso-connections', headers: a.auth })).json().items.length, 0)
  for (const name of fillers) await cognitoClient.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name }))
  t.equal((await post(a.auth, { type: 'SAML', metadata })).statusCode, 201, 'room again: the same domain connects')
})
