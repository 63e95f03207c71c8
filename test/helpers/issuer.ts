// A fake Cognito issuer for tests and the benchmark: own RSA keys, a JWKS HTTP server on a free port, and a token signer.
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { constants, createHmac, generateKeyPairSync, randomUUID, sign as rsaSign, type KeyObject } from 'node:crypto'

export interface KeyPair { kid: string, privateKey: KeyObject, publicKey: KeyObject }

const keyPool: KeyPair[] = []
/** RSA-2048 pairs, generated once per process and reused (generation costs ~100 ms each). */
export function testKey (i: number): KeyPair {
  while (keyPool.length <= i) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    keyPool.push({ kid: `test-key-${keyPool.length}`, privateKey, publicKey })
  }
  return keyPool[i] as KeyPair
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

/** Signs exactly the header and payload given (no defaults), so tests can forge anything. */
export function signJwt (header: Record<string, unknown>, payload: unknown, key: KeyObject | string): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  const alg = header.alg
  if (alg === 'none') return `${input}.`
  if (alg === 'HS256') return `${input}.${createHmac('sha256', key as string).update(input).digest('base64url')}`
  // Each RSA algorithm signed as it really is: a verifier that wrongly accepted RS512 or PS256 would accept these
  // tokens, so the RS256-only tests fail if that check ever widens (not merely on a bad signature).
  const hash = typeof alg === 'string' && /^(RS|PS)(384|512)$/.test(alg) ? `sha${alg.slice(2)}` : 'sha256'
  const pss = typeof alg === 'string' && alg.startsWith('PS')
  const signature = rsaSign(hash, Buffer.from(input), pss
    ? { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : key as KeyObject)
  return `${input}.${signature.toString('base64url')}`
}

export type JwksMode = 'up' | 'down' | 'hang'

/** What `token()` needs: a Cognito-shaped token for `sub`, with groups and tenant only when given. */
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

export interface TestIssuer {
  issuer: string
  jwksUri: string
  key: KeyPair
  /** Keys currently listed in the JWKS. */
  served: KeyPair[]
  /** JWKS requests received. */
  requests: number
  /** up: serve the JWKS; down: answer 503; hang: accept the connection and never answer. */
  mode: JwksMode
  /** In mode up, answer the JWKS this many ms late (default 0). */
  delayMs: number
  /** Claims of a valid Cognito access token for `clientId`, with overrides. */
  accessClaims: (overrides?: Record<string, unknown>) => Record<string, unknown>
  idClaims: (overrides?: Record<string, unknown>) => Record<string, unknown>
  /** An RS256 token signed with `key` (default: the served key), header kid defaulting to its kid. */
  sign: (claims: Record<string, unknown>, opts?: { key?: KeyPair, header?: Record<string, unknown> }) => string
  /** A signed access (default) or ID token for `o.sub`: accessClaims/idClaims without their default groups and tenant. */
  token: (o: TokenOptions) => string
  /** The env the app needs to trust this issuer: its pool, its client id and its URL. */
  env: Record<string, string>
  close: () => Promise<void>
}

export async function startIssuer (opts: { clientId?: string, keyIndex?: number, poolId?: string } = {}): Promise<TestIssuer> {
  const poolId = opts.poolId ?? 'us-east-1_TestPool1'
  const clientId = opts.clientId ?? 'client-one'
  const sockets = new Set<Socket>()
  const state = { requests: 0, mode: 'up' as JwksMode, delayMs: 0 }
  let served: KeyPair[] = [testKey(opts.keyIndex ?? 0)]

  const server: Server = createServer((req, res) => {
    if (req.url !== `/${poolId}/.well-known/jwks.json`) { res.statusCode = 404; res.end(); return }
    state.requests++
    if (state.mode === 'hang') return
    if (state.mode === 'down') { res.statusCode = 503; res.end('{"message":"down"}'); return }
    const keys = served.map(k => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: 'RS256', use: 'sig' }))
    const answer = () => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keys }))
    }
    if (state.delayMs > 0) setTimeout(answer, state.delayMs); else answer()
  })
  server.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const issuer = `http://127.0.0.1:${port}/${poolId}`

  const nowS = () => Math.floor(Date.now() / 1000)
  const self: TestIssuer = {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    get key () { return served[0] as KeyPair },
    get served () { return served },
    set served (v) { served = v },
    get requests () { return state.requests },
    set requests (v) { state.requests = v },
    get mode () { return state.mode },
    set mode (v) { state.mode = v },
    get delayMs () { return state.delayMs },
    set delayMs (v) { state.delayMs = v },
    accessClaims: (overrides = {}) => ({
      sub: 'user-123',
      'cognito:groups': ['members'],
      iss: issuer,
      version: 2,
      client_id: clientId,
      origin_jti: randomUUID(),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: nowS(),
      exp: nowS() + 3600,
      iat: nowS(),
      jti: randomUUID(),
      username: 'alice@example.com',
      ...overrides
    }),
    idClaims: (overrides = {}) => ({
      sub: 'user-123',
      'cognito:groups': ['members'],
      email_verified: true,
      iss: issuer,
      'cognito:username': 'alice@example.com',
      'custom:tenant_id': 'tenant-1',
      aud: clientId,
      token_use: 'id',
      auth_time: nowS(),
      exp: nowS() + 3600,
      iat: nowS(),
      email: 'alice@example.com',
      ...overrides
    }),
    sign: (claims, o = {}) => {
      const key = o.key ?? (served[0] as KeyPair)
      return signJwt({ alg: 'RS256', kid: key.kid, ...o.header }, claims, key.privateKey)
    },
    token: (o) => {
      const now = nowS()
      const common = { sub: o.sub, iat: now, exp: now + (o.expiresIn ?? 3600), 'cognito:groups': o.groups, 'custom:tenant_id': o.tenantId }
      const claims = (o.tokenUse ?? 'access') === 'access'
        ? self.accessClaims({ ...common, client_id: o.clientId ?? clientId, username: o.sub, ...o.extra })
        : self.idClaims({ ...common, aud: o.clientId ?? clientId, 'cognito:username': o.sub, email: `${o.sub}@example.com`, ...o.extra })
      // An option not given removes the default claim (no groups, no tenant), rather than leaving it as undefined.
      return self.sign(Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)))
    },
    env: { COGNITO_USER_POOL_ID: poolId, COGNITO_CLIENT_IDS: clientId, COGNITO_ISSUER: issuer },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
  return self
}

/** startIssuer for one test: closed when `t` ends. */
export async function issuerFor (t: { teardown: (fn: () => unknown) => void }, opts: Parameters<typeof startIssuer>[0] = {}): Promise<TestIssuer> {
  const issuer = await startIssuer(opts)
  t.teardown(() => issuer.close())
  return issuer
}
