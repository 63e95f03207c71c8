// Public SSO discovery for the sign-in page: does this email's domain sign in through a tenant's identity provider?
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../src/http/problem.js'
import { Email } from '../../src/http/schemas.js'

const ssoDiscovery: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sso/discover', {
    // Public, so limited per client address like every public route (plugins/rate-limit.ts).
    config: { auth: 'public' },
    schema: {
      tags: ['sso'],
      summary: 'Whether the email\'s domain signs in through SSO, the provider to name in /oauth2/authorize?identity_provider=, and whether SSO is required there (password sign-in refused); nothing else',
      querystring: Type.Object({ email: Email }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          sso: Type.Boolean(),
          providerName: Type.Optional(Type.String()),
          required: Type.Optional(Type.Boolean({ description: 'SSO only: the tenant requires SSO, password sign-in is refused at this domain' }))
        }),
        ...problemResponses(400, 429, 503)
      }
    }
  }, async (request) => await app.services.sso.discover(request.query.email))
}
export default ssoDiscovery
