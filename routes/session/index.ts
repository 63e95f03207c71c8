// The console's session (a backend-for-frontend, src/session/sessions.ts): start, refresh and end it. Public routes (no
// bearer token: the HTTP API's JWT authorizer cannot read a cookie), reached on the console's own origin (CloudFront's
// /session* behaviour; locally the console server's proxy), and refused unless the request is the console's own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Config } from '../../src/config.js'
import { ForbiddenError } from '../../src/domain/errors.js'
import { problemResponses } from '../../src/http/problem.js'
import { clearedSessionCookie, sessionCookie, sessionSecretOf } from '../../src/session/cookie.js'
import { sameSiteRefusal, SESSION_HEADER } from '../../src/session/same-site.js'

const Tokens = Type.Object({
  accessToken: Type.String(),
  idToken: Type.String(),
  expiresAt: Type.Integer({ description: 'epoch milliseconds: when the access token expires; refresh before' })
})
const Token = Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9_.=+/-]+$' })
const Start = Type.Union([
  Type.Object({ refreshToken: Token }, { additionalProperties: false, description: 'the local password flow: the refresh token it just got (the page forgets it)' }),
  Type.Object({
    code: Type.String({ minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9_.~-]+$' }),
    codeVerifier: Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9_.~-]+$', description: 'RFC 7636' }),
    redirectUri: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://\\S+$' })
  }, { additionalProperties: false, description: 'the managed login: its authorization code, exchanged by the API' })
])
const headers = Type.Object({ [SESSION_HEADER]: Type.Literal('1') })
const refusals = problemResponses(400, 401, 403, 429, 503)

const session: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  /** CSRF: a 403 problem before anything else is read, the body included. */
  const sameSite = async (request: FastifyRequest) => {
    const refusal = sameSiteRefusal(request.headers, config.corsOrigins)
    if (refusal !== null) throw new ForbiddenError(refusal)
  }
  const secretOf = (request: FastifyRequest) => sessionSecretOf(request.headers.cookie)
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store')
  const common = { config: { auth: 'public' as const }, onRequest: sameSite }

  app.post('/session', {
    ...common,
    schema: {
      tags: ['session'],
      summary: 'Start the console\'s session: the refresh token is kept by the API, an HttpOnly cookie names it; answers short-lived tokens',
      headers,
      body: Start,
      response: { 200: Tokens, ...refusals }
    }
  }, async (request, reply) => {
    const started = await app.services.sessions.start(request.body)
    // A session already in this browser (another account) ends: one cookie, one session. Its failure does not undo
    // the new one; the old record then lapses at its TTL.
    await app.services.sessions.end(secretOf(request)).catch((err: unknown) => { request.log.warn({ err }, 'the previous console session could not be ended') })
    noStore(reply).header('set-cookie', sessionCookie(started.secret, started.maxAgeSeconds))
    return started.tokens
  })

  app.post('/session/refresh', {
    ...common,
    schema: {
      tags: ['session'],
      summary: 'New short-lived access and ID tokens for the session the cookie names; 401 (and the cookie cleared) when it has ended',
      headers,
      response: { 200: Tokens, ...refusals }
    }
  }, async (request, reply) => {
    const tokens = await app.services.sessions.refresh(secretOf(request))
    noStore(reply)
    return tokens
  })

  app.delete('/session', {
    ...common,
    schema: {
      tags: ['session'],
      summary: 'Sign out: the refresh token is revoked at Cognito, the session deleted and the cookie cleared (also when there was none)',
      headers,
      response: { 204: Type.Null(), ...refusals }
    }
  }, async (request, reply) => {
    await app.services.sessions.end(secretOf(request))
    return await noStore(reply).header('set-cookie', clearedSessionCookie()).code(204).send()
  })
}
export default session
