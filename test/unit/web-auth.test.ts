// The console's sign-in building blocks, as plain functions: PKCE (RFC 7636), the managed login's URLs and token
// requests, the local USER_PASSWORD_AUTH requests and answers, token claims and renewal timing, config.json parsing.
import { createHash } from 'node:crypto'
import t from 'tap'
import { authorizeUrl, callbackCode, codeChallenge, logoutUrl, randomUrlSafe } from '../../web/src/auth/managed-login.js'
import { authOutcome, newPasswordChallenge, passwordAuth, refreshAuth } from '../../web/src/auth/password.js'
import { SessionEnded, sessionRequest, tokensFromSession } from '../../web/src/auth/bff.js'
import { jwtClaims, renewDelayMs, tokenGroups, tokensFrom } from '../../web/src/auth/tokens.js'
import { parseConfig } from '../../web/src/config.js'
import type { ConsoleRuntimeConfig } from '../../infra/lib/console.js'

const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

t.test('PKCE: the RFC 7636 appendix B example, and verifiers of the allowed alphabet and length', async t => {
  t.equal(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  const verifier = randomUrlSafe(32)
  t.match(verifier, /^[A-Za-z0-9_-]{43}$/)
  t.not(randomUrlSafe(32), verifier, 'random')
  t.equal(await codeChallenge(verifier), createHash('sha256').update(verifier).digest('base64url'))
})

t.test('the authorize URL asks for a code with an S256 challenge', async t => {
  const url = new URL(authorizeUrl({ domain: 'auth.example.com', clientId: 'c1', redirectUri: 'https://console.example.com/', state: 's1', challenge: 'ch' }))
  t.equal(url.origin + url.pathname, 'https://auth.example.com/oauth2/authorize')
  t.same(Object.fromEntries(url.searchParams), {
    response_type: 'code', client_id: 'c1', redirect_uri: 'https://console.example.com/', scope: 'openid email', state: 's1', code_challenge_method: 'S256', code_challenge: 'ch'
  })
})

t.test('the authorize URL of an SSO domain names the tenant\'s identity provider, PKCE as always', async t => {
  const url = new URL(authorizeUrl({ domain: 'auth.example.com', clientId: 'c1', redirectUri: 'https://console.example.com/', state: 's1', challenge: 'ch', identityProvider: 'sso-0a1b2c' }))
  t.equal(url.searchParams.get('identity_provider'), 'sso-0a1b2c')
  t.equal(url.searchParams.get('code_challenge'), 'ch')
  t.equal(url.searchParams.get('code_challenge_method'), 'S256')
})

t.test('the session requests: on the console\'s own origin, with the custom header, the cookie sent same-origin only', async t => {
  const start = sessionRequest('https://console.example.com', { call: 'start', body: { code: 'abc', codeVerifier: 'v', redirectUri: 'https://console.example.com/' } })
  t.equal(start.url, 'https://console.example.com/session')
  t.match(start.init, { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers: { 'x-console-session': '1', 'content-type': 'application/json' } })
  t.same(JSON.parse(start.init.body as string), { code: 'abc', codeVerifier: 'v', redirectUri: 'https://console.example.com/' })
  const refresh = sessionRequest('https://console.example.com', { call: 'refresh' })
  t.match(refresh, { url: 'https://console.example.com/session/refresh', init: { method: 'POST', headers: { 'x-console-session': '1' } } })
  t.equal(refresh.init.body, undefined)
  t.match(sessionRequest('http://127.0.0.1:5173', { call: 'end' }), { url: 'http://127.0.0.1:5173/session', init: { method: 'DELETE', credentials: 'same-origin', headers: { 'x-console-session': '1' } } })
})

t.test('the logout URL names the client and where to return', async t => {
  t.equal(logoutUrl({ domain: 'auth.example.com', clientId: 'c1', logoutUri: 'https://console.example.com/' }),
    'https://auth.example.com/logout?client_id=c1&logout_uri=https%3A%2F%2Fconsole.example.com%2F')
})

t.test('the session\'s answer: tokens, ended (401), or unavailable', async t => {
  const ok = await tokensFromSession({ status: 200, json: async () => ({ accessToken: 'a', idToken: 'i', expiresAt: 2_000_000_000_000, refreshToken: 'never kept' }) })
  t.same(ok, { accessToken: 'a', idToken: 'i', expiresAt: 2_000_000_000_000 }, 'no refresh token, even if one were sent')
  await t.rejects(tokensFromSession({ status: 401, json: async () => ({ detail: 'There is no session to continue; sign in again' }) }), SessionEnded)
  await t.rejects(tokensFromSession({ status: 401, json: async () => { throw new Error('not json') } }), { name: 'SessionEnded', message: 'The session has ended' })
  await t.rejects(tokensFromSession({ status: 503, json: async () => ({ detail: 'The sign-in service is unavailable; retry shortly' }) }), /could not be kept: The sign-in service is unavailable/)
  await t.rejects(tokensFromSession({ status: 200, json: async () => ({ accessToken: 'a' }) }), /HTTP 200/)
})

t.test('the callback: the code only with the state this browser sent', async t => {
  const pending = { state: 's1', verifier: 'v', returnTo: '#/orders' }
  t.equal(callbackCode(new URL('https://c.example/?code=abc&state=s1'), pending), 'abc')
  t.equal(callbackCode(new URL('https://c.example/'), pending), null, 'no callback')
  t.throws(() => callbackCode(new URL('https://c.example/?code=abc&state=other'), pending), /state/)
  t.throws(() => callbackCode(new URL('https://c.example/?code=abc&state=s1'), null), /state/)
  t.throws(() => callbackCode(new URL('https://c.example/?error=access_denied&error_description=nope'), pending), /nope/)
})

t.test('local sign-in: the Cognito API requests', async t => {
  const init = passwordAuth('http://localhost:9229', 'c1', 'a@b.example', 'pw')
  t.equal(init.url, 'http://localhost:9229/')
  t.same(init.init.headers, { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' })
  t.same(JSON.parse(init.init.body), { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'c1', AuthParameters: { USERNAME: 'a@b.example', PASSWORD: 'pw' } })
  const challenge = newPasswordChallenge('http://localhost:9229', 'c1', 'a@b.example', 'new', 'sess')
  t.equal(challenge.init.headers['X-Amz-Target'], 'AWSCognitoIdentityProviderService.RespondToAuthChallenge')
  t.same(JSON.parse(challenge.init.body), { ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: 'c1', Session: 'sess', ChallengeResponses: { USERNAME: 'a@b.example', NEW_PASSWORD: 'new' } })
  t.same(JSON.parse(refreshAuth('http://localhost:9229', 'c1', 'rt').init.body), { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'c1', AuthParameters: { REFRESH_TOKEN: 'rt' } })
})

t.test('local sign-in: tokens, the new-password challenge, or Cognito\'s message', async t => {
  const access = jwt({ exp: 2_000_000_000 })
  t.same(authOutcome(200, { AuthenticationResult: { AccessToken: access, IdToken: 'id', RefreshToken: 'rt' } }), { tokens: { accessToken: access, idToken: 'id', refreshToken: 'rt', expiresAt: 2_000_000_000_000 } })
  t.same(authOutcome(200, { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'sess' }), { challenge: 'NEW_PASSWORD_REQUIRED', session: 'sess' })
  t.throws(() => authOutcome(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }), /Incorrect username or password/)
  t.throws(() => authOutcome(400, { __type: 'com.amazon#UserNotFoundException' }), { message: 'UserNotFoundException' })
  t.throws(() => authOutcome(200, { ChallengeName: 'SMS_MFA', Session: 's' }), /SMS_MFA/)
  t.throws(() => authOutcome(200, {}), /no tokens/)
})

t.test('claims, groups and when to renew', async t => {
  t.same(jwtClaims(jwt({ sub: 'u1' })), { sub: 'u1' })
  t.same(jwtClaims('not-a-jwt'), {})
  t.same(jwtClaims('a.%%%.c'), {})
  t.same(tokenGroups(jwt({ 'cognito:groups': ['platform-admins', 7] })), ['platform-admins'])
  t.same(tokenGroups(jwt({})), [])
  const now = 1_000_000
  t.equal(tokensFrom('x', 'id', undefined, now).expiresAt, now + 3600_000, 'no exp: an hour')
  t.equal(renewDelayMs({ accessToken: '', idToken: '', expiresAt: now + 3600_000 }, now), 3540_000, 'a minute before expiry')
  t.equal(renewDelayMs({ accessToken: '', idToken: '', expiresAt: now + 60_000 }, now), 30_000, 'half of a short lifetime')
  t.equal(renewDelayMs({ accessToken: '', idToken: '', expiresAt: now - 1 }, now), 0, 'already expired: now')
})

t.test('config.json: required fields, one sign-in mode, normalized URLs', async t => {
  const base = { apiUrl: 'https://api.example.com/', region: 'eu-west-1', userPoolId: 'eu-west-1_X', clientId: 'c1' }
  t.same(parseConfig({ ...base, cognitoDomain: 'https://auth.example.com/' }), { ...base, apiUrl: 'https://api.example.com', cognitoDomain: 'auth.example.com' })
  t.same(parseConfig({ ...base, cognitoEndpoint: 'http://localhost:9229/', redirectUri: 'https://c.example/', logoutUri: 'https://c.example/bye' }),
    { ...base, apiUrl: 'https://api.example.com', cognitoEndpoint: 'http://localhost:9229', redirectUri: 'https://c.example/', logoutUri: 'https://c.example/bye' })
  t.throws(() => parseConfig(base), /cognitoDomain/)
  // The local managed login beside the password sign-in: a loopback origin keeps its http; any other host is https.
  const local = parseConfig({ ...base, cognitoEndpoint: 'http://127.0.0.1:9230', cognitoDomain: 'http://127.0.0.1:9231/' })
  t.equal(local.cognitoDomain, 'http://127.0.0.1:9231', 'loopback: the http origin kept')
  t.equal(parseConfig({ ...base, cognitoDomain: 'http://auth.example.com' }).cognitoDomain, 'auth.example.com', 'elsewhere: never plain http')
  t.match(authorizeUrl({ domain: local.cognitoDomain!, clientId: 'c1', redirectUri: 'http://127.0.0.1:3001/console/', state: 's', challenge: 'x', identityProvider: 'sso-1' }), /^http:\/\/127\.0\.0\.1:9231\/oauth2\/authorize\?.*identity_provider=sso-1/)
  t.match(logoutUrl({ domain: 'auth.example.com', clientId: 'c1', logoutUri: 'https://c.example/' }), /^https:\/\/auth\.example\.com\/logout\?/)
  t.throws(() => parseConfig({ ...base, clientId: '' }), /"clientId" is required/)
  t.throws(() => parseConfig({ ...base, region: 3 }), /"region" must be a string/)
  t.throws(() => parseConfig([]), /JSON object/)
})

t.test('config.json as the CDK app writes it (infra/lib/console.ts) is what the console reads', async t => {
  const deployed: ConsoleRuntimeConfig = {
    apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_X',
    clientId: 'c1',
    cognitoDomain: 'https://saas-app-dev.auth.eu-west-1.amazoncognito.com',
    redirectUri: 'https://d111.cloudfront.net/',
    logoutUri: 'https://d111.cloudfront.net/'
  }
  const read = parseConfig(JSON.parse(JSON.stringify(deployed)))
  t.equal(read.cognitoDomain, 'saas-app-dev.auth.eu-west-1.amazoncognito.com', 'the scheme is dropped once')
  t.match(authorizeUrl({ domain: read.cognitoDomain as string, clientId: read.clientId, redirectUri: read.redirectUri as string, state: 's', challenge: 'c' }),
    /^https:\/\/saas-app-dev\.auth\.eu-west-1\.amazoncognito\.com\/oauth2\/authorize\?/)
  t.equal(read.redirectUri, deployed.redirectUri)
  t.equal(read.logoutUri, deployed.logoutUri)
})
