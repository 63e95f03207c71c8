// Authentication: decorates the onRequest hook that sets request.principal, from the authenticator in src/auth/.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda'
import type { Principal } from '../src/domain/principal.js'
import type { Config } from '../src/config.js'
import { bearerToken, principalFromAuthorizer } from '../src/auth/authenticator.js'
import { AuthenticationRequiredError } from '../src/auth/errors.js'
import { bindLog } from '../src/http/log.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
    /** Set by @fastify/aws-lambda inside Lambda only. */
    awsLambda?: { event?: APIGatewayProxyEventV2WithJWTAuthorizer, context?: Context }
  }
  interface FastifyInstance {
    /** Authentication as a callback-style onRequest hook (what access-policy attaches); synchronous on a cache hit. */
    authenticateHook: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void
    /** Resolves once the signing keys can be loaded; rejects otherwise. Used by /health/ready. */
    signingKeysReady: () => Promise<void>
    /** JWKS fetches started so far (jwt mode only): for tests and the benchmark. */
    jwksFetchCount?: () => number
    /** RSA signature checks started so far (jwt mode only): for tests and the benchmark. */
    signatureCheckCount?: () => number
  }
}

/** Every later log line of the request names the caller. */
function bindUser (request: FastifyRequest, reply: FastifyReply) {
  const userId = request.principal?.userId
  if (userId !== undefined) bindLog(request, reply, { userId })
}

export default fp<{ config: Config, now?: () => number }>(async function auth (app, { config, now }) {
  app.decorateRequest('principal', null)

  if (config.AUTH_MODE === 'apigateway') {
    // The authorizer already checked the signature; this mode trusts the event, so it must never run on a reachable server.
    if (!config.AWS_LAMBDA_FUNCTION_NAME) throw new Error('AUTH_MODE=apigateway is only allowed inside AWS Lambda (AWS_LAMBDA_FUNCTION_NAME is not set)')
    app.decorate('signingKeysReady', async () => {})
    // Nothing to wait for: the claims are in the event, so the hook completes synchronously.
    app.decorate('authenticateHook', function authenticateHook (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
      const claims = request.awsLambda?.event?.requestContext?.authorizer?.jwt?.claims
      if (!claims) return done(new AuthenticationRequiredError())
      try {
        request.principal = principalFromAuthorizer(config, claims, request.log)
      } catch (err) {
        return done(err as Error)
      }
      bindUser(request, reply)
      done()
    })
    return
  }

  // Behind a proxy with TRUST_PROXY unset, every client shares the proxy's address, and with it one failed-authentication
  // bucket and one public-route rate limit: said once, at the first request that shows a proxy in front.
  if (config.trustProxy === false) {
    let warned = false
    app.addHook('onRequest', function warnUntrustedProxy (request, _reply, done) {
      if (!warned && request.headers['x-forwarded-for'] !== undefined) {
        warned = true
        request.log.warn('X-Forwarded-For received while TRUST_PROXY is unset: every client behind that proxy shares one address for the failed-authentication and public rate limits; set TRUST_PROXY to the proxy (see README)')
      }
      done()
    })
  }

  // By dynamic import: the Lambda's split build then leaves the verifier out of what a cold start reads.
  const { createTokenAuthenticator } = await import('../src/auth/token-authenticator.js')
  const authenticator = createTokenAuthenticator(config, { onFetchError: (err, issuer) => app.log.warn({ err, issuer }, 'JWKS fetch failed'), now })
  app.decorate('signingKeysReady', authenticator.ready)
  app.decorate('jwksFetchCount', authenticator.fetchCount)
  app.decorate('signatureCheckCount', authenticator.signatureCheckCount)

  // A callback hook: a cache hit completes synchronously, with no promise and no extra microtask turn per request.
  app.decorate('authenticateHook', function authenticateHook (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) return done(new AuthenticationRequiredError())
    const cached = authenticator.cached(token)
    if (cached !== undefined) {
      request.principal = cached
      bindUser(request, reply)
      return done()
    }
    // Forged tokens are counted per client address (request.ip, which honours TRUST_PROXY): over the limit they get 429.
    // A token whose signature verifies is never refused for what else came from its address.
    authenticator.verify(token, request.log, request.ip).then(principal => { request.principal = principal; bindUser(request, reply); done() }, done)
  })
}, { name: 'auth' })
