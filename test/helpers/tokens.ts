// Test identity provider: signs Cognito-shaped RS256 tokens with its own key and serves the JWKS over HTTP, like a user pool.
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { createSigner } from 'fast-jwt'

export const POOL_ID = 'us-east-1_TestPool1'
export const CLIENT_ID = 'client-one'

export interface TokenOptions {
  sub: string
  groups?: string[]
  clientId?: string
  /** custom:tenant_id, as an ID token or a V2 pre-token-generation trigger puts it; absent from plain access tokens. */
  tenantId?: string
  tokenUse?: 'access' | 'id'
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number
  extra?: Record<string, unknown>
}

export interface Issuer {
  /** Set COGNITO_ISSUER to this. */
  issuer: string
  token: (opts: TokenOptions) => string
  /** The env the app needs to trust this issuer. */
  env: Record<string, string>
}

/** Starts the JWKS server on port 0; closed when the test ends. */
export async function startIssuer (t: Test): Promise<Issuer> {
  const kid = 'test-key-1'
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  const server = createServer((req, res) => {
    if (req.url === `/${POOL_ID}/.well-known/jwks.json`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
    } else res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${POOL_ID}`
  const sign = createSigner({ key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, algorithm: 'RS256', kid })

  function token (o: TokenOptions): string {
    const now = Math.floor(Date.now() / 1000)
    const clientId = o.clientId ?? CLIENT_ID
    const common = {
      sub: o.sub,
      iss: issuer,
      iat: now,
      exp: now + (o.expiresIn ?? 3600),
      jti: randomUUID(),
      ...(o.groups ? { 'cognito:groups': o.groups } : {}),
      ...(o.tenantId ? { 'custom:tenant_id': o.tenantId } : {})
    }
    const claims = (o.tokenUse ?? 'access') === 'access'
      ? { ...common, token_use: 'access', client_id: clientId, scope: 'aws.cognito.signin.user.admin', username: o.sub }
      : { ...common, token_use: 'id', aud: clientId, 'cognito:username': o.sub, email: `${o.sub}@example.com` }
    return sign({ ...claims, ...o.extra })
  }
  return { issuer, token, env: { COGNITO_USER_POOL_ID: POOL_ID, COGNITO_CLIENT_IDS: `${CLIENT_ID},client-two`, COGNITO_ISSUER: issuer } }
}
