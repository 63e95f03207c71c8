import t from 'tap'
import type { Test } from 'tap'
import { pbkdf2, randomUUID } from 'node:crypto'
import { build } from '../helpers/build.js'
import { issuerFor, signJwt, testKey, type TestIssuer } from '../helpers/issuer.js'

const envFor = (issuer: TestIssuer, env: Record<string, string> = {}) => ({ COGNITO_ISSUER: issuer.issuer, ...env })

const me = (app: Awaited<ReturnType<typeof build>>, token?: string, url = '/me') =>
  app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

function assertInvalid (t: Test, res: Awaited<ReturnType<typeof me>>, token?: string) {
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token"')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 401, code: 'APP_UNAUTHORIZED' })
  if (token) t.notOk(res.body.includes(token.split('.')[1] ?? token), 'the token is never echoed')
}

t.test('a valid access token reaches GET /me', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const token = issuer.sign(issuer.accessClaims({ 'cognito:groups': ['admins', 'members'], scope: 'openid email' }))
  const res = await me(app, token)
  t.equal(res.statusCode, 200)
  // No tenant is chosen (no DynamoDB here): groups describe the request's tenant, so they are empty; tenants unknown.
  t.same(res.json(), { userId: 'user-123', username: 'alice@example.com', email: null, tenantId: null, groups: [], scopes: ['openid', 'email'], tenants: [], platformRoles: [] })
  t.equal(issuer.requests, 1)
  // The scheme is case-insensitive (RFC 7235).
  t.equal((await app.inject({ url: '/me', headers: { authorization: `bearer ${token}` } })).statusCode, 200)
})

t.test('no token: 401 with a bare challenge', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
    const res = await app.inject({ url: '/me', headers })
    t.equal(res.statusCode, 401)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="api"')
    t.match(res.json(), { status: 401, detail: 'Authentication required' })
  }
  t.equal(issuer.requests, 0)
})

t.test('a token in the query string is ignored', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const token = issuer.sign(issuer.accessClaims())
  for (const url of [`/me?access_token=${token}`, `/me?token=${token}`]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 401)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="api"')
  }
})

t.test('expired and not-yet-valid tokens, with a finite tolerance', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer, { JWT_CLOCK_TOLERANCE_SECONDS: '5' }))
  const now = Math.floor(Date.now() / 1000)
  const expired = issuer.sign(issuer.accessClaims({ exp: now - 10, iat: now - 3610 }))
  const res = await me(app, expired)
  assertInvalid(t, res, expired)
  t.equal(res.json().detail, 'The access token has expired')
  assertInvalid(t, await me(app, issuer.sign(issuer.accessClaims({ nbf: now + 30 }))))
  t.equal((await me(app, issuer.sign(issuer.accessClaims({ exp: now - 2 })))).statusCode, 200, 'within the tolerance')
  t.equal((await me(app, issuer.sign(issuer.accessClaims({ nbf: now + 2 })))).statusCode, 200, 'within the tolerance')
  // Expired and not ours: the answer must not confirm the issuer is configured, so it says no more than "invalid".
  const [h, p] = expired.split('.')
  const forgedExpired = `${h}.${p}.${issuer.sign(issuer.accessClaims()).split('.')[2]}`
  const forgedRes = await me(app, forgedExpired)
  assertInvalid(t, forgedRes, forgedExpired)
  t.equal(forgedRes.json().detail, 'The access token is invalid', 'expired with a bad signature: not told it expired')
})

t.test('a token that expires while its keys are being fetched is refused', async t => {
  const issuer = await issuerFor(t)
  issuer.delayMs = 1500
  const app = await build(t, envFor(issuer, { JWT_CLOCK_TOLERANCE_SECONDS: '0', JWKS_TIMEOUT_MS: '5000' }))
  // Valid when the request arrives (exp is at most 1 s ahead), expired by the time the JWKS answers.
  const exp = Math.floor(Date.now() / 1000) + 1
  const token = issuer.sign(issuer.accessClaims({ exp }))
  const res = await me(app, token)
  t.ok(Date.now() > exp * 1000, 'the JWKS answered after the expiry')
  assertInvalid(t, res, token)
  t.equal(res.json().detail, 'The access token has expired')
  t.equal(issuer.requests, 1)
})

t.test('claims Cognito tokens must carry', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const cases: Record<string, Record<string, unknown>> = {
    'client_id not allowed': { client_id: 'someone-else' },
    'client_id missing': { client_id: undefined },
    'sub missing': { sub: undefined },
    'sub empty': { sub: '' },
    'token_use missing': { token_use: undefined },
    'token_use other': { token_use: 'refresh' },
    'exp missing': { exp: undefined },
    // iat dates the session: tokensValidAfter (a re-enabled member's old sessions stay dead) compares against it.
    'iat missing': { iat: undefined },
    'iat not a number': { iat: String(Math.floor(Date.now() / 1000)) },
    'iss missing': { iss: undefined },
    'iss with a trailing slash': { iss: `${issuer.issuer}/` },
    'groups not a list': { 'cognito:groups': 'admins' }
  }
  for (const [name, overrides] of Object.entries(cases)) {
    const claims = issuer.accessClaims(overrides)
    for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete claims[k]
    const res = await me(app, issuer.sign(claims))
    t.equal(res.statusCode, 401, name)
  }
})

t.test('ID tokens: refused by default; with ACCEPT_ID_TOKENS the aud must be a configured client', async t => {
  const issuer = await issuerFor(t)
  const strict = await build(t, envFor(issuer))
  assertInvalid(t, await me(strict, issuer.sign(issuer.idClaims())))

  const lenient = await build(t, envFor(issuer, { ACCEPT_ID_TOKENS: 'true' }))
  const res = await me(lenient, issuer.sign(issuer.idClaims()))
  t.equal(res.statusCode, 200)
  // tenantId stays null: /me shows only a tenant the membership confirmed (no DynamoDB here), never the bare claim.
  t.same(res.json(), { userId: 'user-123', username: 'alice@example.com', email: 'alice@example.com', tenantId: null, groups: [], scopes: [], tenants: [], platformRoles: [] })
  assertInvalid(t, await me(lenient, issuer.sign(issuer.idClaims({ aud: 'someone-else' }))))
  assertInvalid(t, await me(lenient, issuer.sign(issuer.idClaims({ aud: undefined }))))
})

t.test('a valid signature from another pool is refused, and its JWKS is never fetched', async t => {
  const ours = await issuerFor(t)
  const theirs = await issuerFor(t, { keyIndex: 1, poolId: 'us-east-1_OtherPool' })
  const app = await build(t, envFor(ours))
  // Their token, their key, their issuer.
  assertInvalid(t, await me(app, theirs.sign(theirs.accessClaims())))
  // Their key, our issuer claimed.
  assertInvalid(t, await me(app, theirs.sign(ours.accessClaims(), { header: { kid: ours.key.kid } })))
  // Their key and kid, our issuer claimed.
  assertInvalid(t, await me(app, theirs.sign(ours.accessClaims())))
  t.equal(theirs.requests, 0)
})

t.test('several issuers (multi-region): each verified against its own JWKS', async t => {
  const a = await issuerFor(t)
  const b = await issuerFor(t, { keyIndex: 1, poolId: 'us-east-1_TestPool1' })
  const app = await build(t, { COGNITO_ISSUER: `${a.issuer},${b.issuer}` })
  t.equal((await me(app, a.sign(a.accessClaims()))).statusCode, 200)
  t.equal((await me(app, b.sign(b.accessClaims()))).statusCode, 200)
  // B's key presented as A's.
  assertInvalid(t, await me(app, b.sign(a.accessClaims())))
  t.equal(a.requests, 2, 'A refetched once for the unknown kid')
  t.equal(b.requests, 1)
})

t.test('algorithms other than RS256 are refused without any fetch', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const claims = issuer.accessClaims()
  const none = signJwt({ alg: 'none', kid: issuer.key.kid }, claims, '')
  assertInvalid(t, await me(app, none), none)
  const publicPem = issuer.key.publicKey.export({ type: 'spki', format: 'pem' }) as string
  const hs = signJwt({ alg: 'HS256', kid: issuer.key.kid }, claims, publicPem)
  assertInvalid(t, await me(app, hs), hs)
  assertInvalid(t, await me(app, issuer.sign(claims, { header: { alg: 'RS512' } })))
  t.equal(issuer.requests, 0)
  // Keys loaded: the same forgeries still fail.
  t.equal((await me(app, issuer.sign(claims))).statusCode, 200)
  assertInvalid(t, await me(app, hs))
  assertInvalid(t, await me(app, none))
  // Correctly signed with the served RSA key under another algorithm: refused for the algorithm, not the signature.
  assertInvalid(t, await me(app, issuer.sign(claims, { header: { alg: 'PS256' } })))
  assertInvalid(t, await me(app, issuer.sign(claims, { header: { alg: 'RS512' } })))
})

t.test('tampered and malformed tokens are 401, never 500', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const token = issuer.sign(issuer.accessClaims())
  const [h, p, s] = token.split('.') as [string, string, string]
  const forged = Buffer.from(JSON.stringify({ ...issuer.accessClaims(), sub: 'admin' })).toString('base64url')
  const arrayPayload = signJwt({ alg: 'RS256', kid: issuer.key.kid }, [1, 2], issuer.key.privateKey)
  const malformed = {
    tampered: `${h}.${forged}.${s}`,
    'two parts': `${h}.${p}`,
    'five parts': `${h}.${p}.${s}.${p}.${s}`,
    'bad base64': `${h}.${p}!!.${s}`,
    'bad base64 header': `%%%.${p}.${s}`,
    'header not JSON': `${Buffer.from('nope').toString('base64url')}.${p}.${s}`,
    'header an array': `${Buffer.from('[]').toString('base64url')}.${p}.${s}`,
    'payload an array': arrayPayload,
    'payload a string': signJwt({ alg: 'RS256', kid: issuer.key.kid }, 'hello', issuer.key.privateKey),
    'empty signature': `${h}.${p}.`,
    'signature of another token': `${h}.${p}.${issuer.sign(issuer.accessClaims()).split('.')[2]}`,
    'just dots': '..',
    garbage: 'not-a-jwt',
    huge: 'a'.repeat(9000)
  }
  for (const [name, bad] of Object.entries(malformed)) {
    const res = await me(app, bad)
    t.equal(res.statusCode, 401, name)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token"', name)
  }
  t.equal((await app.inject({ url: '/me', headers: { authorization: 'Bearer ' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer  ${token}` } })).statusCode, 401)
})

t.test('unknown kid: one refetch, then 401; 1000 random kids cause at most one fetch', async t => {
  const issuer = await issuerFor(t)
  // All from one address: the failed-authentication limit (tested on its own below) would answer 429 first.
  const app = await build(t, envFor(issuer, { AUTH_FAILURE_LIMIT: '100000' }))
  t.equal((await me(app, issuer.sign(issuer.accessClaims()))).statusCode, 200)
  t.equal(issuer.requests, 1)
  const claims = issuer.accessClaims()
  const responses = await Promise.all(Array.from({ length: 1000 }, () =>
    me(app, signJwt({ alg: 'RS256', kid: randomUUID() }, claims, issuer.key.privateKey))))
  t.ok(responses.every(r => r.statusCode === 401), 'all 401')
  t.ok(issuer.requests <= 2, `at most one refetch (JWKS requests: ${issuer.requests})`)
  t.equal(issuer.requests, 2, 'exactly one refetch for the first unknown kid')
  assertInvalid(t, await me(app, signJwt({ alg: 'RS256', kid: 'another' }, claims, issuer.key.privateKey)))
  t.equal(issuer.requests, 2, 'no refetch within the interval')
})

t.test('no kid header: 401 without any fetch', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  t.equal((await me(app, issuer.sign(issuer.accessClaims()))).statusCode, 200)
  const noKid = signJwt({ alg: 'RS256' }, issuer.accessClaims(), issuer.key.privateKey)
  assertInvalid(t, await me(app, noKid), noKid)
  t.equal(issuer.requests, 1, 'a token without a kid never causes a refetch')
})

t.test('claims are checked before the key lookup: a bad token with an unknown kid causes no refetch', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  t.equal((await me(app, issuer.sign(issuer.accessClaims()))).statusCode, 200)
  const now = Math.floor(Date.now() / 1000)
  for (const claims of [
    issuer.accessClaims({ client_id: 'someone-else' }),
    issuer.accessClaims({ token_use: 'id' }),
    issuer.accessClaims({ nbf: now + 3600 }),
    issuer.accessClaims({ sub: undefined })
  ]) {
    assertInvalid(t, await me(app, signJwt({ alg: 'RS256', kid: randomUUID() }, claims, issuer.key.privateKey)))
  }
  t.equal(issuer.requests, 1, 'none of them reached the key store')
})

t.test('a crit header we do not understand is refused, even correctly signed', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const token = issuer.sign(issuer.accessClaims(), { header: { crit: ['exp'], exp: 1 } })
  assertInvalid(t, await me(app, token), token)
})

t.test('many distinct tokens at once: each verified on its own, forgeries among them refused', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const tokens = Array.from({ length: 300 }, (_, i) => {
    const token = issuer.sign(issuer.accessClaims({ sub: `user-${i}` }))
    if (i % 5 !== 0) return { token, ok: true }
    // Another token's signature: structurally perfect, cryptographically wrong.
    const [h, p] = token.split('.')
    return { token: `${h}.${p}.${issuer.sign(issuer.accessClaims({ sub: `other-${i}` })).split('.')[2]}`, ok: false }
  })
  const responses = await Promise.all(tokens.map(({ token }) => me(app, token)))
  t.same(responses.map(r => r.statusCode), tokens.map(({ ok }) => ok ? 200 : 401))
  t.same(responses.filter(r => r.statusCode === 200).map(r => r.json().userId), tokens.map((x, i) => x.ok ? `user-${i}` : undefined).filter(Boolean))
})

t.test('a key rotated out of the JWKS stops its cached tokens at once', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const old = issuer.sign(issuer.accessClaims())
  t.equal((await me(app, old)).statusCode, 200, 'verified and cached')
  t.equal((await me(app, old)).statusCode, 200, 'a cache hit')
  // The pool now publishes only a new key; a token signed with it makes the app refetch and see the old key gone.
  issuer.served = [testKey(1)]
  t.equal((await me(app, issuer.sign(issuer.accessClaims()))).statusCode, 200, 'the new key is fetched')
  t.equal(issuer.requests, 2)
  assertInvalid(t, await me(app, old), old)
})

t.test('a key rotated out while a signature check waits on the threadpool: that token is refused', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  t.equal((await me(app, issuer.sign(issuer.accessClaims({ sub: 'warm' })))).statusCode, 200, 'the old key is loaded')
  // Every threadpool thread busy for a while: the next signature check queues behind them.
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4
  const busy = Array.from({ length: threads }, () => new Promise(resolve => pbkdf2('x', 'y', 400_000, 64, 'sha512', resolve)))
  const waiting = issuer.sign(issuer.accessClaims({ sub: 'waiting' }))
  const pending = me(app, waiting)
  await new Promise(resolve => setTimeout(resolve, 20))
  // Meanwhile the pool rotates: a token with the new key makes the app refetch, and the old key leaves the JWKS.
  issuer.served = [testKey(1)]
  const rotated = me(app, issuer.sign(issuer.accessClaims({ sub: 'new-key' }), { key: testKey(1) }))
  while (issuer.requests < 2) await new Promise(resolve => setTimeout(resolve, 5))
  const settledFirst = await Promise.race([pending.then(() => 'request'), new Promise(resolve => setTimeout(resolve, 50, 'pool'))])
  t.equal(settledFirst, 'pool', 'the refetch finished while the check was still queued')
  assertInvalid(t, await pending, waiting)
  t.equal((await rotated).statusCode, 200)
  await Promise.all(busy)
})

t.test('concurrent first requests share one JWKS fetch', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const tokens = Array.from({ length: 50 }, () => issuer.sign(issuer.accessClaims()))
  const res = await Promise.all(tokens.map(tok => me(app, tok)))
  t.ok(res.every(r => r.statusCode === 200))
  t.equal(issuer.requests, 1)
})

t.test('JWKS down with a warm cache: cached keys keep working', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  t.equal((await me(app, issuer.sign(issuer.accessClaims()))).statusCode, 200)
  issuer.mode = 'down'
  const fresh = issuer.sign(issuer.accessClaims({ sub: 'user-456' }))
  const res = await me(app, fresh)
  t.equal(res.statusCode, 200, 'a token never seen before, signed by a cached key')
  t.equal(res.json().userId, 'user-456')
  // An unknown kid while down: the one allowed refetch fails, and the token is the caller's problem: 401.
  assertInvalid(t, await me(app, issuer.sign(issuer.accessClaims(), { key: testKey(1) })))
  t.equal((await me(app, issuer.sign(issuer.accessClaims({ sub: 'user-789' })))).statusCode, 200)
  await t.resolves(app.signingKeysReady(), 'still ready: keys are cached')
})

t.test('JWKS down with a cold cache: 503 with Retry-After, then recovers', async t => {
  const issuer = await issuerFor(t)
  issuer.mode = 'down'
  // A clock the test moves: the cold issuer's one-second retry pacing, without a second on the real clock.
  let offset = 0
  const app = await build(t, envFor(issuer), { timing: { now: () => Date.now() + offset } })
  const token = issuer.sign(issuer.accessClaims())
  const res = await me(app, token)
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 503, detail: 'Signing keys are unavailable; try again shortly' })
  t.notOk(res.body.includes(token))
  await t.rejects(app.signingKeysReady())
  // A cold issuer retries after a second, not after the full refetch interval.
  issuer.mode = 'up'
  t.equal((await me(app, token)).statusCode, 503, 'not within the second')
  offset += 1100
  t.equal((await me(app, token)).statusCode, 200)
})

t.test('a JWKS endpoint that never answers: the request fails within the timeout', async t => {
  const issuer = await issuerFor(t)
  issuer.mode = 'hang'
  let offset = 0
  const app = await build(t, envFor(issuer, { JWKS_TIMEOUT_MS: '300' }), { timing: { now: () => Date.now() + offset } })
  const started = Date.now()
  const res = await me(app, issuer.sign(issuer.accessClaims()))
  const took = Date.now() - started
  t.equal(res.statusCode, 503)
  t.ok(took >= 250 && took < 1500, `answered after ${took} ms`)
  // Past the cold retry pacing (moved clock), readiness fetches again and fails within the timeout too.
  offset += 1000
  const readyStarted = Date.now()
  await t.rejects(app.signingKeysReady())
  t.ok(Date.now() - readyStarted < 1500, 'readiness fails within the timeout too')
})

t.test('jku, x5u and jwk headers are ignored: no fetch to them, no key from them', async t => {
  const issuer = await issuerFor(t)
  const attacker = await issuerFor(t, { keyIndex: 1, poolId: 'us-east-1_Attacker' })
  const app = await build(t, envFor(issuer))
  const pointers = { jku: attacker.jwksUri, x5u: `${attacker.issuer}/cert.pem`, jwk: { ...attacker.key.publicKey.export({ format: 'jwk' }), kid: issuer.key.kid } }
  // A genuine token with the pointers added still verifies against our JWKS.
  t.equal((await me(app, issuer.sign(issuer.accessClaims(), { header: pointers }))).statusCode, 200)
  // The attacker's key, with our kid and its own public key embedded.
  assertInvalid(t, await me(app, attacker.sign(issuer.accessClaims(), { header: { ...pointers, kid: issuer.key.kid } })))
  assertInvalid(t, await me(app, attacker.sign(issuer.accessClaims(), { header: pointers })))
  t.equal(attacker.requests, 0)
})

t.test('token cache: exact-token keys, expiry honoured', async t => {
  const issuer = await issuerFor(t)
  let offset = 0
  const app = await build(t, envFor(issuer, { JWT_CLOCK_TOLERANCE_SECONDS: '0' }), { timing: { now: () => Date.now() + offset } })
  const token = issuer.sign(issuer.accessClaims())
  t.equal((await me(app, token)).statusCode, 200)
  t.equal((await me(app, token)).statusCode, 200)
  // One byte changed in the payload segment: a different token, verified (and refused) on its own.
  const dot = token.indexOf('.') + 10
  const flipped = token.slice(0, dot) + (token[dot] === 'A' ? 'B' : 'A') + token.slice(dot + 1)
  assertInvalid(t, await me(app, flipped))
  // One byte changed in the signature.
  const last = token.lastIndexOf('.') + 5
  assertInvalid(t, await me(app, token.slice(0, last) + (token[last] === 'A' ? 'B' : 'A') + token.slice(last + 1)))

  const exp = Math.floor(Date.now() / 1000) + 1
  const shortLived = issuer.sign(issuer.accessClaims({ exp }))
  t.equal((await me(app, shortLived)).statusCode, 200, 'verified and cached')
  // Past its expiry on the app's clock: the cached entry is not served, and the token is refused.
  offset += exp * 1000 - Date.now() + 50
  assertInvalid(t, await me(app, shortLived))
})

t.test('a signature with spare bits set in its last character is refused, not verified as the same token', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer))
  const token = issuer.sign(issuer.accessClaims())
  t.equal((await me(app, token)).statusCode, 200)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  // 256 signature bytes are 342 characters: the last one carries 2 bits, so 15 other characters decode to the same bytes.
  const last = alphabet.indexOf(token.at(-1) as string)
  const variants = Array.from({ length: 16 }, (_, spare) => alphabet[(last & 0x30) | spare] as string).filter(c => c !== token.at(-1))
  t.equal(variants.length, 15)
  for (const c of variants) assertInvalid(t, await me(app, token.slice(0, -1) + c))
})

t.test('failed authentications per client address: forgeries over the limit get 429, genuine tokens never do', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer, { AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_SECONDS: '60' }))
  const from = (remoteAddress: string, token: string) => app.inject({ url: '/me', remoteAddress, headers: { authorization: `Bearer ${token}` } })
  const checks = () => app.signatureCheckCount?.() ?? -1
  const valid = issuer.sign(issuer.accessClaims({ sub: 'known' }))
  t.equal((await from('203.0.113.7', valid)).statusCode, 200, 'verified and cached before the attack')
  // Right issuer, client and kid: only the RSA check can tell these apart from genuine tokens.
  const forged = () => {
    const [h, p] = issuer.sign(issuer.accessClaims({ jti: randomUUID() })).split('.')
    return `${h}.${p}.${issuer.sign(issuer.accessClaims()).split('.')[2]}`
  }
  for (let i = 0; i < 5; i++) assertInvalid(t, await from('203.0.113.7', forged()))
  t.equal(checks(), 6, 'one RSA check per forged token so far')

  const refused = await from('203.0.113.7', forged())
  t.equal(refused.statusCode, 429)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), { status: 429, code: 'APP_AUTH_RATE_LIMITED' })
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60, 'Retry-After within the window')
  t.equal((await from('203.0.113.7', issuer.sign(issuer.accessClaims({ sub: 'new' })))).statusCode, 200, 'a genuine unknown token is verified and served')
  t.equal((await from('203.0.113.7', valid)).statusCode, 200, 'a token verified before still passes: it costs nothing')
  // Junk that cannot be ours (malformed, a foreign issuer) costs no RSA: 401, whatever the count.
  assertInvalid(t, await from('203.0.113.7', 'not.a.token'))
  assertInvalid(t, await from('203.0.113.7', issuer.sign(issuer.accessClaims({ iss: 'https://evil.example' }))))
  t.equal(checks(), 8, 'the forgery over the limit was RSA-checked (only RSA tells it from a valid token); junk was not')

  // Another address is not affected.
  t.equal((await from('198.51.100.1', issuer.sign(issuer.accessClaims({ sub: 'other' })))).statusCode, 200)
  assertInvalid(t, await from('198.51.100.1', forged()))
})

t.test('one office behind one address: 60 expired and 60 forged tokens, then a valid token still answers 200', async t => {
  const issuer = await issuerFor(t)
  // The default limit.
  const app = await build(t, envFor(issuer))
  const from = (token: string) => app.inject({ url: '/me', remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${token}` } })
  const now = Math.floor(Date.now() / 1000)
  // A laptop left open keeps resending its one expired token; colleagues' expired tokens arrive too.
  const laptop = issuer.sign(issuer.accessClaims({ sub: 'laptop', exp: now - 60, iat: now - 3660 }))
  const statuses: Record<number, number> = {}
  const count = (res: { statusCode: number }) => { statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1 }
  for (let i = 0; i < 30; i++) count(await from(laptop))
  for (let i = 0; i < 30; i++) count(await from(issuer.sign(issuer.accessClaims({ sub: `u${i}`, exp: now - 60, iat: now - 3660 }))))
  t.same(statuses, { 401: 60 }, 'expired tokens: 401, never 429')
  const checksAfterExpired = app.signatureCheckCount?.() ?? -1
  t.equal(checksAfterExpired, 31, 'the resent expired token was checked once, then answered from memory')
  const forged = () => {
    const [h, p] = issuer.sign(issuer.accessClaims({ jti: randomUUID() })).split('.')
    return `${h}.${p}.${issuer.sign(issuer.accessClaims()).split('.')[2]}`
  }
  for (let i = 0; i < 60; i++) count(await from(forged()))
  t.ok((statuses[401] ?? 0) >= 60 && (statuses[401] ?? 0) + (statuses[429] ?? 0) === 120, JSON.stringify(statuses))
  // Genuine but refused tokens: an ID token and another app client's token answer 401 and count for nothing.
  assertInvalid(t, await from(issuer.sign(issuer.idClaims())))
  assertInvalid(t, await from(issuer.sign(issuer.accessClaims({ client_id: 'someone-else' }))))
  const res = await from(issuer.sign(issuer.accessClaims({ sub: 'colleague' })))
  t.equal(res.statusCode, 200, 'a valid token from the same address')
})

t.test('the same address over the limit of forgeries: a valid token is still served, a forgery gets 429', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer, { AUTH_FAILURE_LIMIT: '3' }))
  const from = (token: string) => app.inject({ url: '/me', remoteAddress: '203.0.113.10', headers: { authorization: `Bearer ${token}` } })
  const forged = () => {
    const [h, p] = issuer.sign(issuer.accessClaims({ jti: randomUUID() })).split('.')
    return `${h}.${p}.${issuer.sign(issuer.accessClaims()).split('.')[2]}`
  }
  const codes = []
  for (let i = 0; i < 10; i++) codes.push((await from(forged())).statusCode)
  t.same(codes, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429])
  t.equal((await from(issuer.sign(issuer.accessClaims({ sub: 'someone' })))).statusCode, 200)
})

t.test('X-Forwarded-For while TRUST_PROXY is unset: one warning, at the first such request', async t => {
  const issuer = await issuerFor(t)
  const lines: Array<{ level: number, msg: string }> = []
  const logger = { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } }
  const app = await build(t, envFor(issuer), { logger })
  const token = issuer.sign(issuer.accessClaims())
  await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(lines.filter(l => /TRUST_PROXY/.test(l.msg)).length, 0, 'no proxy seen yet')
  for (let i = 0; i < 3; i++) await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.7' } })
  const warnings = lines.filter(l => /TRUST_PROXY/.test(l.msg))
  t.equal(warnings.length, 1)
  t.equal(warnings[0]?.level, 40)

  const trusting = await build(t, envFor(issuer, { TRUST_PROXY: '1' }), { logger })
  await trusting.inject({ url: '/me', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.7' } })
  t.equal(lines.filter(l => /TRUST_PROXY/.test(l.msg)).length, 1, 'not with TRUST_PROXY set')

  // In Lambda behind the HTTP API the address comes from API Gateway, whatever the header says.
  const lambda = await build(t, { AUTH_MODE: 'apigateway', AWS_LAMBDA_FUNCTION_NAME: 'api-test' }, { logger })
  await lambda.inject({ url: '/me', headers: { 'x-forwarded-for': '198.51.100.7' } })
  t.equal(lines.filter(l => /TRUST_PROXY/.test(l.msg)).length, 1, 'not with AUTH_MODE=apigateway')
})

// That size 0 stores nothing is test/unit/token-cache.test.ts; here: the app still verifies and serves with it.
t.test('TOKEN_CACHE_SIZE=0: tokens are still accepted, verified on every request', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer, { TOKEN_CACHE_SIZE: '0' }))
  const token = issuer.sign(issuer.accessClaims())
  t.equal((await me(app, token)).statusCode, 200)
  t.equal((await me(app, token)).statusCode, 200)
})

t.test('a group-restricted route: 403 insufficient_scope for the others', async t => {
  const issuer = await issuerFor(t)
  const app = await build(t, envFor(issuer), {}, app => app.get('/admin-only', { config: { auth: { groups: ['admins'], tenant: 'none' } } }, async () => ({ ok: true })))
  const member = await me(app, issuer.sign(issuer.accessClaims()), '/admin-only')
  t.equal(member.statusCode, 403)
  t.equal(member.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope"')
  t.match(member.headers['content-type'], /^application\/problem\+json/)
  t.match(member.json(), { status: 403, code: 'APP_FORBIDDEN' })
  t.equal((await me(app, issuer.sign(issuer.accessClaims({ 'cognito:groups': ['admins'] })), '/admin-only')).statusCode, 200)
  t.equal((await me(app, undefined, '/admin-only')).statusCode, 401)
})

t.test('authentication runs before the body is parsed', async t => {
  const issuer = await issuerFor(t)
  let parsed = 0
  const app = await build(t, envFor(issuer), {}, app => {
    app.addContentTypeParser('application/x-probe', (_req, _body, done) => { parsed++; done(null, {}) })
    app.post('/probe', { config: { auth: { tenant: 'none' } } }, async () => ({ ok: true }))
  })
  const res = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': 'application/x-probe' }, payload: 'x' })
  t.equal(res.statusCode, 401)
  t.equal(parsed, 0)
})

t.test('/health/ready: signing keys of every issuer load', async t => {
  const a = await issuerFor(t)
  const b = await issuerFor(t, { keyIndex: 1 })
  const app = await build(t, { COGNITO_ISSUER: `${a.issuer},${b.issuer}` })
  await t.resolves(app.signingKeysReady())
  t.equal(a.requests, 1)
  t.equal(b.requests, 1)
  await t.resolves(app.signingKeysReady(), 'cached: no second fetch')
  t.equal(a.requests + b.requests, 2)
  // DynamoDB is unreachable in unit tests, so readiness names only it.
  const res = await app.inject('/health/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json().detail, /^Not ready: dynamodb unavailable$/)
})

t.test('DynamoDB down: GET /me degrades to no tenant, and retries the lookup at most once per DEGRADED_TTL_MS', async t => {
  const { DEGRADED_TTL_MS } = await import('../../plugins/tenant.js')
  // The window runs on the test's clock: a loaded host cannot stretch five requests past it, and no sleep is needed.
  const degradedTtlMs = 150
  let clock = Date.now()
  const issuer = await issuerFor(t)
  let calls = 0
  const down = async () => { calls++; throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }) }
  const dynamo = { client: { send: down, destroy () {} }, doc: { send: down }, tableName: 'test-table' } as never
  const app = await build(t, envFor(issuer), { dynamo, timing: { degradedTtlMs, now: () => clock } })
  const token = issuer.sign(issuer.accessClaims())
  for (let i = 0; i < 5; i++) {
    const res = await me(app, token)
    t.equal(res.statusCode, 200)
    t.equal(res.json().tenantId, null)
  }
  t.equal(calls, 1, 'one failed lookup, then degraded without asking DynamoDB again')
  t.ok(DEGRADED_TTL_MS <= 5000, 'the window stays short')
  // A tenant-required route still tries (and fails) on every request: it cannot proceed without a tenant.
  const before = calls
  t.equal((await app.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } })).statusCode, 500)
  t.equal(calls, before + 1)
  // After the window, a tenant-optional route tries again (and, still failing, degrades for another window).
  clock += degradedTtlMs + 1
  t.equal((await me(app, token)).statusCode, 200)
  t.equal((await me(app, token)).statusCode, 200)
  t.equal(calls, before + 2, 'one more lookup per window')
})
