// The console's session routes (routes/session, src/session) against cognito-local (behind the shim) and DynamoDB Local:
// the cookie's flags, CSRF refusals, ended sessions (401 and the cookie cleared), two app instances sharing one table,
// Cognito failing or throttling (503 + Retry-After), the managed login's code exchange, and the per-address limit.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { AdminDisableUserCommand, InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../src/repositories/keys.js'
import { sessionIdOf } from '../../src/session/secret.js'
import { SESSION_COOKIE } from '../../src/session/cookie.js'
import { failCognitoOnce, PASSWORD, recordCognitoCalls, startUsersStack, throttlingError } from '../helpers/users-stack.js'
import type { App } from '../helpers/build.js'

const CONSOLE = 'http://127.0.0.1:5999'
const stack = await startUsersStack(t)
const { services } = stack
const env = { CORS_ORIGINS: `${CONSOLE},https://console.example.com` }
const [appA, appB] = [await stack.app(t, env), await stack.app(t, env)]

const headers = (extra: Record<string, string> = {}) => ({ origin: CONSOLE, 'x-console-session': '1', ...extra })
const cookieOf = (secret: string) => ({ cookie: `other=1; ${SESSION_COOKIE}=${secret}` })
/** The session secret a response's Set-Cookie carries (undefined when it clears the cookie). */
const setSecret = (res: { headers: Record<string, unknown> }) => /^__Host-console-session=([A-Za-z0-9_-]{43});/.exec(String(res.headers['set-cookie']))?.[1]
const cleared = (res: { headers: Record<string, unknown> }) => /^__Host-console-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Strict$/.test(String(res.headers['set-cookie']))

async function person () {
  const email = `p-${randomUUID().slice(0, 8)}@example.com`
  const user = await services.createUser({ email, password: PASSWORD, groups: [] })
  return { email, ...user, tokens: await services.signIn({ email, password: PASSWORD }) }
}
async function start (app: App, refreshToken: string) {
  const res = await app.inject({ method: 'POST', url: '/session', headers: headers(), payload: { refreshToken } })
  return { res, secret: setSecret(res) as string }
}
const refresh = async (app: App, secret: string) => await app.inject({ method: 'POST', url: '/session/refresh', headers: { ...headers(), ...cookieOf(secret) } })
const cognitoRefuses = async (refreshToken: string) => await services.cognitoClient.send(new InitiateAuthCommand({ ClientId: services.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }))

t.test('a session starts from the password flow\'s refresh token: the cookie is HttpOnly, Secure, SameSite=Strict, __Host-', async t => {
  const p = await person()
  const { res, secret } = await start(appA, p.tokens.refreshToken)
  t.equal(res.statusCode, 200)
  t.match(String(res.headers['set-cookie']), /^__Host-console-session=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; Secure; HttpOnly; SameSite=Strict$/, 'the cookie\'s flags')
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.same(Object.keys(body).sort(), ['accessToken', 'expiresAt', 'idToken'], 'tokens for the page, no refresh token')
  t.ok(body.expiresAt > Date.now(), 'expiresAt is the access token\'s exp, in ms')
  t.equal((await appA.inject({ method: 'GET', url: '/me', headers: stack.bearer(body.accessToken) })).statusCode, 200, 'the access token works')
  const stored = await services.item(keys.session(sessionIdOf(secret)))
  t.match(stored, { userId: p.userId, type: 'session' }, 'the record names the person')
  t.notOk(JSON.stringify(stored).includes(p.tokens.refreshToken), 'the refresh token is stored sealed, not as it is')
  t.notOk(JSON.stringify(stored).includes(secret), 'nor is the cookie\'s secret')
  t.ok(Math.abs((stored?.expiresAt as number) - (Date.now() / 1000 + 2592000)) < 60, 'TTL at the session\'s end')
})

t.test('CSRF: without the console\'s Origin or the custom header, a 403 problem, and nothing happens', async t => {
  const p = await person()
  const { secret } = await start(appA, p.tokens.refreshToken)
  const cases: Array<[string, Record<string, string>]> = [
    ['no Origin', { 'x-console-session': '1' }],
    ['a foreign Origin', { origin: 'https://evil.example', 'x-console-session': '1' }],
    ['no custom header', { origin: CONSOLE }],
    ['a wrong custom header', { origin: CONSOLE, 'x-console-session': 'yes' }],
    ['a cross-site fetch', headers({ 'sec-fetch-site': 'cross-site' })]
  ]
  for (const [what, h] of cases) {
    for (const [method, url] of [['POST', '/session/refresh'], ['DELETE', '/session']] as const) {
      const res = await appA.inject({ method, url, headers: { ...h, ...cookieOf(secret) } })
      t.equal(res.statusCode, 403, `${what}: ${method} ${url}`)
      t.match(res.headers['content-type'], 'application/problem+json')
      t.notOk(res.headers['set-cookie'], 'no cookie change')
    }
  }
  const post = await appA.inject({ method: 'POST', url: '/session', headers: { origin: 'https://evil.example', 'x-console-session': '1' }, payload: { refreshToken: p.tokens.refreshToken } })
  t.equal(post.statusCode, 403, 'a foreign origin cannot start one either')
  t.equal((await refresh(appA, secret)).statusCode, 200, 'the session survived every refused request')
  t.equal((await appA.inject({ method: 'POST', url: '/session/refresh', headers: { ...headers(), origin: 'https://console.example.com', ...cookieOf(secret) } })).statusCode, 200, 'any configured console origin may')
})

t.test('an absent, garbage or unknown cookie, or a bad refresh token: 401 and the cookie cleared', async t => {
  for (const [what, cookie] of [['no cookie', undefined], ['garbage', `${SESSION_COOKIE}=not-a-session`], ['an unknown secret', `${SESSION_COOKIE}=${'A'.repeat(43)}`]] as const) {
    const res = await appA.inject({ method: 'POST', url: '/session/refresh', headers: { ...headers(), ...(cookie !== undefined ? { cookie } : {}) } })
    t.equal(res.statusCode, 401, what)
    t.ok(cleared(res), `${what}: the cookie is cleared`)
    t.equal(res.json().code, 'APP_SESSION_ENDED')
  }
  const bad = await appA.inject({ method: 'POST', url: '/session', headers: headers(), payload: { refreshToken: 'not.a.token' } })
  t.equal(bad.statusCode, 401, 'a refresh token Cognito does not know starts no session')
  t.notOk(setSecret(bad))
  t.equal((await appA.inject({ method: 'POST', url: '/session', headers: headers(), payload: { refreshToken: 'x', extra: 1 } })).statusCode, 400, 'an unknown property is a 400')
  const del = await appA.inject({ method: 'DELETE', url: '/session', headers: headers() })
  t.equal(del.statusCode, 204, 'signing out without a session is fine')
  t.ok(cleared(del))
})

t.test('two instances, one table: started on A refreshes on B; signed out on B, refused on A and by Cognito', async t => {
  const p = await person()
  const { secret } = await start(appA, p.tokens.refreshToken)
  const onB = await refresh(appB, secret)
  t.equal(onB.statusCode, 200, 'B refreshes A\'s session')
  t.equal((await appB.inject({ method: 'GET', url: '/me', headers: stack.bearer(onB.json().accessToken) })).statusCode, 200)
  const out = await appB.inject({ method: 'DELETE', url: '/session', headers: { ...headers(), ...cookieOf(secret) } })
  t.equal(out.statusCode, 204)
  t.ok(cleared(out), 'the cookie is cleared')
  const onA = await refresh(appA, secret)
  t.equal(onA.statusCode, 401, 'A refuses the session B ended')
  t.ok(cleared(onA))
  t.equal(await services.item(keys.session(sessionIdOf(secret))), null, 'the record is gone')
  await t.rejects(cognitoRefuses(p.tokens.refreshToken), { name: 'NotAuthorizedException' }, 'the refresh token was revoked at Cognito')
})

t.test('a session ends with its refresh token: revoked elsewhere, a disabled person, or past its expiry', async t => {
  const revoked = await person()
  const a = await start(appA, revoked.tokens.refreshToken)
  await services.cognitoClient.send(new RevokeTokenCommand({ ClientId: services.clientId, Token: revoked.tokens.refreshToken }))
  const res = await refresh(appB, a.secret)
  t.equal(res.statusCode, 401, 'revoked at Cognito')
  t.ok(cleared(res))
  t.equal(await services.item(keys.session(sessionIdOf(a.secret))), null, 'the dead record is deleted')

  const disabled = await person()
  const b = await start(appA, disabled.tokens.refreshToken)
  await services.cognitoClient.send(new AdminDisableUserCommand({ UserPoolId: services.userPoolId, Username: disabled.username }))
  t.equal((await refresh(appA, b.secret)).statusCode, 401, 'a disabled person\'s session ends at the next refresh')
  const bye = await appA.inject({ method: 'DELETE', url: '/session', headers: { ...headers(), ...cookieOf(b.secret) } })
  t.equal(bye.statusCode, 204, 'and they can still sign out')

  const old = await person()
  const c = await start(appA, old.tokens.refreshToken)
  await services.documentClient.send(new UpdateCommand({ TableName: services.tableName, Key: keys.session(sessionIdOf(c.secret)), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }))
  t.equal((await refresh(appA, c.secret)).statusCode, 401, 'past its expiry, even before TTL removes it')
})

t.test('Cognito failing or throttling: 503 with Retry-After, and the session survives it', async t => {
  const p = await person()
  const { secret } = await start(appA, p.tokens.refreshToken)
  const faulty = await stack.app(t, env)
  failCognitoOnce(faulty.cognito, 'InitiateAuth')
  const down = await refresh(faulty, secret)
  t.equal(down.statusCode, 503, 'Cognito failed')
  t.match(down.headers['content-type'], 'application/problem+json')
  t.equal(down.headers['retry-after'], '5')
  t.notOk(down.headers['set-cookie'], 'the cookie is kept')
  t.equal((await refresh(faulty, secret)).statusCode, 200, 'the next refresh works')

  const throttled = await stack.app(t, { ...env, AWS_MAX_ATTEMPTS: '1' })
  recordCognitoCalls(throttled.cognito, op => { if (op === 'InitiateAuth') throw throttlingError() })
  const busy = await refresh(throttled, secret)
  t.equal(busy.statusCode, 503, 'throttled')
  t.ok(Number(busy.headers['retry-after']) >= 1, 'with Retry-After')
  const starting = await throttled.inject({ method: 'POST', url: '/session', headers: headers(), payload: { refreshToken: p.tokens.refreshToken } })
  t.equal(starting.statusCode, 503, 'starting one is refused the same way')

  const revokeFails = await stack.app(t, env)
  failCognitoOnce(revokeFails.cognito, 'RevokeToken')
  const out = await revokeFails.inject({ method: 'DELETE', url: '/session', headers: { ...headers(), ...cookieOf(secret) } })
  t.equal(out.statusCode, 204, 'sign-out succeeds when Cognito cannot revoke')
  t.equal((await refresh(appA, secret)).statusCode, 401, 'the session is gone with its record')
})

t.test('the managed login: the API exchanges the code (with the PKCE verifier) at the token endpoint', async t => {
  const seen: Array<Record<string, string>> = []
  let answer: 'tokens' | 'invalid_grant' | 'down' = 'tokens'
  const p = await person()
  const endpoint = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      seen.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', ...Object.fromEntries(new URLSearchParams(body)) })
      if (answer === 'down') { res.writeHead(500).end(); return }
      if (answer === 'invalid_grant') { res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}'); return }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: p.tokens.accessToken, id_token: p.tokens.idToken, refresh_token: p.tokens.refreshToken, token_type: 'Bearer', expires_in: 3600 }))
    })
  })
  await new Promise<void>(resolve => endpoint.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { endpoint.close() })
  const managed = await stack.app(t, { ...env, COGNITO_DOMAIN: `127.0.0.1:${(endpoint.address() as AddressInfo).port}` })
  const grant = { code: 'the-code', codeVerifier: 'v'.repeat(43), redirectUri: `${CONSOLE}/console/` }
  const res = await managed.inject({ method: 'POST', url: '/session', headers: headers(), payload: grant })
  t.equal(res.statusCode, 200)
  t.same(seen[0], { path: '/oauth2/token', contentType: 'application/x-www-form-urlencoded', grant_type: 'authorization_code', client_id: services.clientId, code: 'the-code', code_verifier: grant.codeVerifier, redirect_uri: grant.redirectUri }, 'a public client\'s exchange: id and verifier, no secret')
  t.same(Object.keys(res.json()).sort(), ['accessToken', 'expiresAt', 'idToken'], 'the refresh token stays with the API')
  const secret = setSecret(res) as string
  t.equal((await refresh(managed, secret)).statusCode, 200, 'and refreshes the session')
  answer = 'invalid_grant'
  t.equal((await managed.inject({ method: 'POST', url: '/session', headers: headers(), payload: grant })).statusCode, 401, 'a used or unknown code: 401')
  answer = 'down'
  const down = await managed.inject({ method: 'POST', url: '/session', headers: headers(), payload: grant })
  t.equal(down.statusCode, 503, 'the token endpoint failing: 503')
  t.equal(down.headers['retry-after'], '5')
  t.equal((await appA.inject({ method: 'POST', url: '/session', headers: headers(), payload: grant })).statusCode, 503, 'no managed login configured: 503')
})

t.test('a new session in a browser that has one ends the old one', async t => {
  const p = await person()
  const first = await start(appA, p.tokens.refreshToken)
  const again = await services.signIn({ email: p.email, password: PASSWORD })
  const res = await appA.inject({ method: 'POST', url: '/session', headers: { ...headers(), ...cookieOf(first.secret) }, payload: { refreshToken: again.refreshToken } })
  t.equal(res.statusCode, 200)
  t.not(setSecret(res), first.secret, 'a new secret')
  t.equal((await refresh(appA, first.secret)).statusCode, 401, 'the old session is over')
})

t.test('the session routes are limited per client address, like every public route', async t => {
  const limited = await stack.app(t, { ...env, RATE_LIMIT_MAX: '3' })
  const codes: number[] = []
  for (let i = 0; i < 4; i++) codes.push((await limited.inject({ method: 'POST', url: '/session/refresh', headers: headers() })).statusCode)
  t.same(codes, [401, 401, 401, 429], 'the fourth in the window is refused')
})
