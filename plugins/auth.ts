// Authentication: verifies the bearer token and decorates request.principal. (Foundation placeholder: denies every request until the verifier lands.)
import fp from 'fastify-plugin'
import createError from '@fastify/error'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../src/domain/principal.js'
import type { Config } from '../src/config.js'

export const InsufficientScopeError = createError('APP_FORBIDDEN', 'Not allowed for your role', 403)

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Resolves once the signing keys can be loaded; rejects otherwise. Used by /health/ready. */
    signingKeysReady: () => Promise<void>
  }
}

export default fp<{ config: Config }>(async function auth (app) {
  app.decorateRequest('principal', null)
  app.decorate('signingKeysReady', async () => { throw new Error('no verifier') })
  app.decorate('authenticate', async function authenticate (_request: FastifyRequest, _reply: FastifyReply) {
    throw Object.assign(new Error('Authentication required'), { statusCode: 401 })
  })
}, { name: 'auth' })
