// Verified domains, for the tenant's admins: claim an email domain, publish the TXT record, verify it, list, release.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../src/http/problem.js'
import { actorOf, tenantScopeOf } from '../../src/http/request-context.js'
import { DomainSchema } from '../../src/domain/domain-name.js'

const Domain = Type.Object({
  domain: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('ended'), Type.Literal('expired')], { description: 'ended: another tenant verified it first' }),
  createdAt: Type.String(),
  verifiedAt: Type.Optional(Type.String()),
  policy: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('suggest'), Type.Literal('join')], { description: 'verified only: off; suggest (offered among the invitations of people with an address there); join (they become members at their next sign-in)' })),
  expiresAt: Type.Optional(Type.String({ description: 'while pending: the claim ends unverified then' })),
  record: Type.Optional(Type.Object({ name: Type.String(), type: Type.Literal('TXT'), value: Type.String() }, { description: 'while pending: the DNS record to publish' }))
})
const Params = Type.Object({ domain: DomainSchema })

const domains: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.domains
  const auth = { groups: ['admins'] as const, tenant: 'required' as const }
  const tags = ['domains']

  app.post('/domains', {
    config: { auth },
    schema: {
      tags,
      summary: 'Claim an email domain for the tenant: the answer names the TXT record to publish (consumer mail domains are refused)',
      body: Type.Object({ domain: DomainSchema }, { additionalProperties: false }),
      response: { 200: Domain, 201: Domain, ...problemResponses(400, 401, 403, 409, 503) }
    }
  }, async (request, reply) => {
    const { view, created } = await service.claim(tenantScopeOf(request), request.body.domain, await actorOf(request, app.memberView))
    return reply.code(created ? 201 : 200).send(view)
  })

  app.post('/domains/:domain/verify', {
    config: { auth },
    schema: {
      tags,
      summary: 'Check the TXT record in DNS: 200 verified (the first tenant to verify owns the domain), or 409 with what was found',
      params: Params,
      response: { 200: Domain, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => await service.verify(tenantScopeOf(request), request.params.domain, await actorOf(request, app.memberView)))

  app.get('/domains', {
    config: { auth },
    schema: { tags, summary: 'The tenant\'s domain claims', response: { 200: Type.Object({ items: Type.Array(Domain) }), ...problemResponses(401, 403, 503) } }
  }, async (request) => ({ items: await service.list(tenantScopeOf(request)) }))

  app.put('/domains/:domain/policy', {
    config: { auth },
    schema: {
      tags,
      summary: 'What a verified domain does for people with an address there: off, suggest or join (a person the tenant removed stays out until invited again)',
      params: Params,
      body: Type.Object({ policy: Type.Union([Type.Literal('off'), Type.Literal('suggest'), Type.Literal('join')]) }, { additionalProperties: false }),
      response: { 200: Domain, ...problemResponses(400, 401, 403, 404, 409, 503) }
    }
  }, async (request) => await service.setPolicy(tenantScopeOf(request), request.params.domain, request.body.policy, await actorOf(request, app.memberView)))

  app.delete('/domains/:domain', {
    config: { auth },
    schema: { tags, summary: 'Withdraw a claim, or release a verified domain (409 while an SSO connection serves it)', params: Params, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 503) } }
  }, async (request, reply) => {
    await service.remove(tenantScopeOf(request), request.params.domain, await actorOf(request, app.memberView))
    return reply.code(204).send(null)
  })
}
export default domains
