// Authentication: verifies the Cognito bearer token (or trusts API Gateway's authorizer inside Lambda) and sets request.principal.
import fp from 'fastify-plugin'
import createError from '@fastify/error'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda'
import type { Principal } from '../src/domain/principal.js'
import type { Config } from '../src/config.js'
import { createKeyStore, SigningKeyError, type SigningKey } from '../src/auth/jwks.js'
import { createTokenCache } from '../src/auth/token-cache.js'
import { ClaimsError, principalFromApiGatewayClaims, principalFromClaims, type ClaimRules } from '../src/auth/claims.js'
import { checkLifetime, createSignatureVerifier, decodeToken, signingKeyId, TokenRejectedError } from '../src/auth/verify-token.js'

/** RFC 6750 §3: the realm of every bearer challenge we send. */
const REALM = 'api'
const challenge = (error?: string) => `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}`

const Unauthorized = createError<[string]>('APP_UNAUTHORIZED', '%s', 401)
/** No bearer token in the Authorization header: a challenge without an error code (RFC 6750 §3.1). */
class AuthenticationRequiredError extends Unauthorized {
  constructor () { super('Authentication required') }
  headers = { 'www-authenticate': challenge() }
}
/** A token was sent and is not acceptable. The detail stays coarse: the reason is logged, never returned. */
export class InvalidTokenError extends Unauthorized {
  constructor (detail = 'The access token is invalid') { super(detail) }
  headers = { 'www-authenticate': challenge('invalid_token') }
}
const Forbidden = createError('APP_FORBIDDEN', 'Not allowed for your role', 403)
export class InsufficientScopeError extends Forbidden {
  headers = { 'www-authenticate': challenge('insufficient_scope') }
}
const Unavailable = createError('APP_SIGNING_KEYS_UNAVAILABLE', 'Signing keys are unavailable; try again shortly', 503)
/** The token's issuer has never had its keys loaded and the JWKS cannot be fetched now: our outage, not the caller's fault. */
class SigningKeysUnavailableError extends Unavailable {
  headers = { 'retry-after': '5' }
}

/** Tokens longer than this are refused before any parsing (Cognito tokens are 1-4 KB). */
const MAX_TOKEN_LENGTH = 8192
/** Signature checks allowed to wait on the threadpool at once (src/auth/verify-token.ts). */
const MAX_PENDING_SIGNATURE_CHECKS = 256

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
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined when no bearer credentials were sent. */
function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined || header.length < 7) return undefined
  const scheme = header.slice(0, 7)
  if (scheme !== 'Bearer ' && scheme.toLowerCase() !== 'bearer ') return undefined
  return header.slice(7)
}

/**
 * Adds bindings to every later log line of the request. pino's setBindings extends the request's own child logger in
 * place (Fastify makes one per request), which costs a fraction of a new child (and its copy of the parent's state);
 * a logger without it (a custom one) gets a child instead. plugins/tenant adds the tenant the same way.
 */
export function bindLog (request: FastifyRequest, reply: FastifyReply, bindings: Record<string, string>) {
  const log = request.log as FastifyRequest['log'] & { setBindings?: (b: Record<string, string>) => void }
  // Only ever in place on a logger of this request: never on the server's own (a custom childLoggerFactory could hand
  // that out), or the bindings would stick to every later line of every request.
  if (typeof log.setBindings === 'function' && log !== request.server.log) {
    log.setBindings(bindings)
    return
  }
  const child = log.child(bindings)
  request.log = child
  reply.log = child
}

/** Every later log line of the request names the caller. */
function bindUser (request: FastifyRequest, reply: FastifyReply) {
  const userId = request.principal?.userId
  if (userId !== undefined) bindLog(request, reply, { userId })
}

export default fp<{ config: Config }>(async function auth (app, { config }) {
  app.decorateRequest('principal', null)
  const rules: ClaimRules = { issuers: config.cognitoIssuers, clientIds: config.cognitoClientIds, acceptIdTokens: config.ACCEPT_ID_TOKENS }
  const toleranceMs = config.JWT_CLOCK_TOLERANCE_SECONDS * 1000

  if (config.AUTH_MODE === 'apigateway') {
    // The authorizer already checked the signature; this mode trusts the event, so it must never run on a reachable server.
    if (!config.AWS_LAMBDA_FUNCTION_NAME) throw new Error('AUTH_MODE=apigateway is only allowed inside AWS Lambda (AWS_LAMBDA_FUNCTION_NAME is not set)')
    app.decorate('signingKeysReady', async () => {})
    // Nothing to wait for: the claims are in the event, so the hook completes synchronously.
    app.decorate('authenticateHook', function authenticateHook (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
      const claims = request.awsLambda?.event?.requestContext?.authorizer?.jwt?.claims
      if (!claims) return done(new AuthenticationRequiredError())
      try {
        request.principal = principalFromApiGatewayClaims(claims, rules, Date.now(), toleranceMs)
      } catch (err) {
        if (!(err instanceof ClaimsError)) return done(err as Error)
        request.log.info({ reason: err.message }, 'authorizer claims rejected')
        return done(new InvalidTokenError())
      }
      bindUser(request, reply)
      done()
    })
    return
  }

  const keys = createKeyStore({
    issuers: config.cognitoIssuers,
    timeoutMs: config.JWKS_TIMEOUT_MS,
    refetchIntervalMs: config.JWKS_REFETCH_INTERVAL_SECONDS * 1000,
    onFetchError: (err, issuer) => app.log.warn({ err, issuer }, 'JWKS fetch failed')
  })
  const cache = createTokenCache<{ principal: Principal, key: SigningKey }>(config.TOKEN_CACHE_SIZE)

  const signatures = createSignatureVerifier(MAX_PENDING_SIGNATURE_CHECKS)

  app.decorate('signingKeysReady', () => keys.ready())
  app.decorate('jwksFetchCount', () => keys.fetchCount())

  /** The verified-token cache: a hit only for the exact token string (src/auth/token-cache.ts); no decoding on a hit. */
  function fromCache (request: FastifyRequest, token: string): boolean {
    const hit = cache.get(token)
    if (hit === undefined || !hit.key.active) return false
    request.principal = hit.principal
    return true
  }

  /** Whether the token is past exp + tolerance now; any other lifetime problem (nbf ahead, exp missing) throws. */
  function isExpired (payload: Record<string, unknown>): boolean {
    try {
      checkLifetime(payload, Date.now(), toleranceMs)
      return false
    } catch (err) {
      if (err instanceof TokenRejectedError && err.reason === 'expired') return true
      throw err
    }
  }

  /**
   * A token the cache does not know. The cheap checks come first (structure, header, issuer, claim rules, nbf), so a
   * token that fails them costs no key lookup, no JWKS refetch and no RSA; the signature is checked last, off the event loop.
   */
  async function verify (request: FastifyRequest, token: string): Promise<void> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError()
    let principal: Principal
    let key: SigningKey
    try {
      const { header, payload, input, signature } = decodeToken(token)
      const kid = signingKeyId(header)
      // The claim rules include iss: from here on it is one of the configured issuers.
      principal = principalFromClaims(payload, rules)
      const iss = payload.iss as string
      // An expired token is told so only once its signature proves it ours: said earlier, the answer would reveal which
      // issuers are configured to anyone who writes one in a token.
      let expired = isExpired(payload)
      key = keys.peek(iss, kid) ?? await keys.get(iss, kid)
      if (!await signatures.verify(input, signature, key.key)) throw new TokenRejectedError('signature', 'signature is invalid')
      // The waits above (a JWKS fetch, the threadpool queue) may have carried the token past its expiry, or a refetch
      // may have retired its key meanwhile: both are checked again now.
      expired ||= isExpired(payload)
      if (expired) throw new TokenRejectedError('expired', 'the token has expired')
      if (!key.active) throw new TokenRejectedError('header', 'the signing key was rotated out of the JWKS')
    } catch (err) {
      if (err instanceof SigningKeyError && err.reason === 'unavailable') throw new SigningKeysUnavailableError()
      if (!(err instanceof TokenRejectedError || err instanceof ClaimsError || err instanceof SigningKeyError)) throw err
      request.log.info({ reason: err.message }, 'token rejected')
      throw err instanceof TokenRejectedError && err.reason === 'expired' ? new InvalidTokenError('The access token has expired') : new InvalidTokenError()
    }
    request.principal = principal
    cache.set(token, { principal, key }, principal.expiresAt * 1000 + toleranceMs)
  }

  // A callback hook: a cache hit completes synchronously, with no promise and no extra microtask turn per request.
  app.decorate('authenticateHook', function authenticateHook (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) return done(new AuthenticationRequiredError())
    if (fromCache(request, token)) {
      bindUser(request, reply)
      return done()
    }
    verify(request, token).then(() => { bindUser(request, reply); done() }, done)
  })
}, { name: 'auth' })

declare module 'fastify' {
  interface FastifyInstance {
    /** JWKS fetches started so far (jwt mode only): for tests and the benchmark. */
    jwksFetchCount?: () => number
  }
}
