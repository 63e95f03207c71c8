// SSO connections, for the tenant's admins: an OIDC or SAML identity provider serving the tenant's verified domains.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../src/http/problem.js'
import { principalOf, tenantScopeOf } from '../../src/http/request-context.js'
import { DomainSchema } from '../../src/domain/domain-name.js'

const Url = Type.String({ pattern: '^https?://\\S+$', maxLength: 2048 })
const Domains = Type.Array(DomainSchema, { minItems: 1, maxItems: 50, uniqueItems: true, description: 'verified domains of the tenant to serve; default every verified domain without a connection' })

const Oidc = Type.Object({
  type: Type.Literal('OIDC'),
  issuer: Url,
  clientId: Type.String({ minLength: 1, maxLength: 255 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 255, description: 'kept by Cognito only; never returned' }),
  scopes: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}$' }), { minItems: 1, maxItems: 20, uniqueItems: true, description: 'default openid email profile; must include openid' })),
  domains: Type.Optional(Domains)
}, { additionalProperties: false })
const Saml = Type.Object({
  type: Type.Literal('SAML'),
  metadataUrl: Type.Optional(Url),
  metadata: Type.Optional(Type.String({ minLength: 1, maxLength: 131072, description: 'the metadata XML, when there is no URL' })),
  emailAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'the assertion attribute holding the email; default the emailaddress claim' })),
  domains: Type.Optional(Domains)
}, { additionalProperties: false })

const Connection = Type.Object({
  providerName: Type.String(),
  type: Type.Union([Type.Literal('OIDC'), Type.Literal('SAML')]),
  domains: Type.Array(Type.String()),
  createdAt: Type.String(),
  issuer: Type.Optional(Type.String()),
  clientId: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  metadataUrl: Type.Optional(Type.String()),
  idpEntityId: Type.Optional(Type.String()),
  details: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'the provider as Cognito holds it, without the client secret' })),
  setup: Type.Object({
    loginDomain: Type.Optional(Type.String()),
    samlEntityId: Type.Optional(Type.String({ description: 'SAML: the service provider\'s entity ID (audience)' })),
    acsUrl: Type.Optional(Type.String({ description: 'SAML: the assertion consumer service URL' })),
    redirectUri: Type.Optional(Type.String({ description: 'OIDC: the redirect URI to allow at the IdP' }))
  }, { description: 'what the customer\'s IT admin enters at their identity provider' })
})

const ssoConnections: FastifyPluginAsyncTypebox = async (app) => {
  const auth = { groups: ['admins'] as const, tenant: 'required' as const }
  const tags = ['sso']

  app.post('/sso-connections', {
    config: { auth },
    schema: {
      tags,
      summary: 'Connect an OIDC or SAML identity provider to the tenant\'s verified domains (checked before saving: OIDC discovery, SAML metadata)',
      body: Type.Union([Oidc, Saml]),
      response: { 201: Connection, ...problemResponses(400, 401, 403, 409, 503) }
    }
  }, async (request, reply) => reply.code(201).send(await app.services.sso.create(tenantScopeOf(request), request.body, principalOf(request).userId)))

  app.get('/sso-connections', {
    config: { auth },
    schema: { tags, summary: 'The tenant\'s SSO connections, without secrets, with what the IdP admin needs', response: { 200: Type.Object({ items: Type.Array(Connection) }), ...problemResponses(401, 403, 503) } }
  }, async (request) => ({ items: await app.services.sso.list(tenantScopeOf(request)) }))

  const Enforcement = Type.Object({
    required: Type.Boolean(),
    domains: Type.Optional(Type.Array(Type.String(), { description: 'the domains whose people must sign in through SSO' })),
    signedOut: Type.Optional(Type.Integer({ description: 'password sessions ended by this change' })),
    remaining: Type.Optional(Type.Integer({ description: 'people not signed out yet (a batch per call): repeat the PUT' }))
  })
  app.get('/sso-connections/enforcement', {
    config: { auth },
    schema: { tags, summary: 'Whether the tenant requires SSO for its connected domains', response: { 200: Enforcement, ...problemResponses(401, 403, 503) } }
  }, async (request) => await app.services.ssoEnforcement.get(tenantScopeOf(request)))

  app.put('/sso-connections/enforcement', {
    config: { auth },
    schema: {
      tags,
      summary: 'Require SSO (password sign-in refused for the connected domains; their password sessions are signed out), or stop requiring it',
      body: Type.Object({ required: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: Enforcement, ...problemResponses(400, 401, 403, 409, 503) }
    }
  }, async (request) => await app.services.ssoEnforcement.set(tenantScopeOf(request), request.body.required, principalOf(request).userId))

  app.delete('/sso-connections/:providerName', {
    config: { auth },
    schema: {
      tags,
      summary: 'Remove a connection: off the app client first, then the provider',
      params: Type.Object({ providerName: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }) }),
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 503) }
    }
  }, async (request, reply) => {
    await app.services.sso.remove(tenantScopeOf(request), request.params.providerName, principalOf(request).userId)
    return reply.code(204).send(null)
  })
}
export default ssoConnections
