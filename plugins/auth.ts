// TEMPORARY (feat/tenancy): minimal RS256 verification of Cognito tokens so the tenancy tests run through a real verifier. feat/auth's plugin replaces this file on merge.
import fp from 'fastify-plugin'
import createError from '@fastify/error'
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../src/domain/principal.js'
import type { Config } from '../src/config.js'

export const InsufficientScopeError = createError('APP_FORBIDDEN', 'Not allowed for your role', 403)
const Unauthorized = createError<[string]>('APP_UNAUTHORIZED', '%s', 401)

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Resolves once the signing keys can be loaded; rejects otherwise. Used by /health/ready. */
    signingKeysReady: () => Promise<void>
  }
}

function unauthorized (detail: string) {
  return Object.assign(new Unauthorized(detail), { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
}

const part = (s: string | undefined) => JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8')) as Record<string, unknown>

export default fp<{ config: Config }>(async function auth (app, { config }) {
  const keys = new Map<string, KeyObject>()
  const lastFetch = new Map<string, number>()

  async function fetchKeys (issuer: string) {
    lastFetch.set(issuer, Date.now())
    const res = await fetch(`${issuer}/.well-known/jwks.json`, { signal: AbortSignal.timeout(config.JWKS_TIMEOUT_MS) })
    if (!res.ok) throw new Error(`JWKS ${res.status}`)
    const body = await res.json() as { keys?: Array<Record<string, string>> }
    for (const jwk of body.keys ?? []) {
      if (jwk.kty === 'RSA' && jwk.kid) keys.set(`${issuer}|${jwk.kid}`, createPublicKey({ key: jwk, format: 'jwk' }))
    }
  }

  async function keyFor (issuer: string, kid: string): Promise<KeyObject | undefined> {
    const id = `${issuer}|${kid}`
    // Unknown kids refetch at most once per interval, so garbage tokens cannot hammer the JWKS endpoint.
    if (!keys.has(id) && Date.now() - (lastFetch.get(issuer) ?? 0) > config.JWKS_REFETCH_INTERVAL_SECONDS * 1000) await fetchKeys(issuer)
    return keys.get(id)
  }

  async function verifyToken (token: string): Promise<Principal> {
    const [h, p, s] = token.split('.')
    let header: Record<string, unknown>
    let claims: Record<string, unknown>
    try { header = part(h); claims = part(p) } catch { throw unauthorized('Malformed token') }
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') throw unauthorized('Unsupported token')
    // The issuer is checked against the allow-list before any key is fetched from it.
    const iss = claims.iss
    if (typeof iss !== 'string' || !config.cognitoIssuers.includes(iss)) throw unauthorized('Untrusted issuer')
    const key = await keyFor(iss, header.kid)
    if (!key || !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s ?? '', 'base64url'))) throw unauthorized('Invalid signature')
    const now = Math.floor(Date.now() / 1000)
    const leeway = config.JWT_CLOCK_TOLERANCE_SECONDS
    if (typeof claims.exp !== 'number' || claims.exp + leeway < now) throw unauthorized('Token expired')
    if (typeof claims.nbf === 'number' && claims.nbf - leeway > now) throw unauthorized('Token not yet valid')
    const tokenUse = claims.token_use
    // Cognito access tokens have no aud; their client is client_id. ID tokens carry it in aud.
    const clientId = tokenUse === 'access' ? claims.client_id : tokenUse === 'id' && config.ACCEPT_ID_TOKENS ? claims.aud : undefined
    if (typeof clientId !== 'string' || !config.cognitoClientIds.includes(clientId)) throw unauthorized('Token not for this client')
    if (typeof claims.sub !== 'string') throw unauthorized('Token has no subject')
    return {
      userId: claims.sub,
      username: typeof claims.username === 'string' ? claims.username : typeof claims['cognito:username'] === 'string' ? claims['cognito:username'] : claims.sub,
      clientId,
      tokenUse: tokenUse as 'access' | 'id',
      groups: Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'].filter((g): g is string => typeof g === 'string') : [],
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
      ...(typeof claims['custom:tenant_id'] === 'string' ? { tenantId: claims['custom:tenant_id'] } : {}),
      ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      issuedAt: typeof claims.iat === 'number' ? claims.iat : 0,
      expiresAt: claims.exp
    }
  }

  app.decorateRequest('principal', null)
  app.decorate('signingKeysReady', async () => { await fetchKeys(config.cognitoIssuers[0]!) })
  app.decorate('authenticate', async function authenticate (request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header) : null
    if (!match) throw Object.assign(new Unauthorized('Authentication required'), { headers: { 'www-authenticate': 'Bearer' } })
    request.principal = await verifyToken(match[1]!)
    const log = request.log.child({ userId: request.principal.userId })
    request.log = log
    reply.log = log
  })
}, { name: 'auth' })
