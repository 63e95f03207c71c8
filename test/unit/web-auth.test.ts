// The console's sign-in building blocks, as plain functions: PKCE (RFC 7636), the managed login's URLs and token
// requests, the local USER_PASSWORD_AUTH requests and answers, token claims and renewal timing, config.json parsing.
import { createHash } from 'node:crypto'
import t from 'tap'
import { authorizeUrl, callbackCode, codeChallenge, codeExchangeRequest, logoutUrl, randomUrlSafe, refreshRequest, revokeRequest, tokensFromResponse } from '../../web/src/auth/managed-login.js'
import { authOutcome, newPasswordChallenge, passwordAuth, refreshAuth, revokeRequest as passwordRevoke } from '../../web/src/auth/password.js'
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

t.test('the token requests: a form POST with the verifier or the refresh token, never a secret', async t => {
  const code = codeExchangeRequest({ domain: 'auth.example.com', clientId: 'c1', code: 'abc', redirectUri: 'https://console.example.com/', verifier: 'v' })
  t.equal(code.url, 'https://auth.example.com/oauth2/token')
  t.same(code.init.method, 'POST')
  t.same(code.init.headers, { 'Content-Type': 'application/x-www-form-urlencoded' })
  t.same(Object.fromEntries(new URLSearchParams(code.init.body)), { grant_type: 'authorization_code', client_id: 'c1', code: 'abc', redirect_uri: 'https://console.example.com/', code_verifier: 'v' })
  const refresh = refreshRequest({ domain: 'auth.example.com', clientId: 'c1', refreshToken: 'r' })
  t.equal(refresh.url, 'https://auth.example.com/oauth2/token')
  t.same(Object.fromEntries(new URLSearchParams(refresh.init.body)), { grant_type: 'refresh_token', client_id: 'c1', refresh_token: 'r' })
  t.notMatch(code.init.body + refresh.init.body, /secret/)
})

t.test('the logout URL names the client and where to return', async t => {
  t.equal(logoutUrl({ domain: 'auth.example.com', clientId: 'c1', logoutUri: 'https://console.example.com/' }),
    'https://auth.example.com/logout?client_id=c1&logout_uri=https%3A%2F%2Fconsole.example.com%2F')
})

t.test('the token endpoint answer, good and bad', async t => {
  const access = jwt({ exp: 2_000_000_000, 'cognito:groups': ['platform-admins'] })
  const ok = await tokensFromResponse({ ok: true, status: 200, json: async () => ({ access_token: access, id_token: 'id', refresh_token: 'rt', expires_in: 3600 }) })
  t.same(ok, { accessToken: access, idToken: 'id', refreshToken: 'rt', expiresAt: 2_000_000_000_000 })
  await t.rejects(tokensFromResponse({ ok: false, status: 400, json: async () => ({ error: 'invalid_grant' }) }), /invalid_grant/)
  await t.rejects(tokensFromResponse({ ok: true, status: 200, json: async () => { throw new Error('not json') } }), /HTTP 200/)
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

t.test('sign-out revokes the refresh token: the managed login\'s revocation endpoint, or RevokeToken', async t => {
  const managed = revokeRequest({ domain: 'auth.example.com', clientId: 'client-1', refreshToken: 'r.t' })
  t.equal(managed.url, 'https://auth.example.com/oauth2/revoke')
  t.same(Object.fromEntries(new URLSearchParams(managed.init.body)), { token: 'r.t', client_id: 'client-1' }, 'a public client: no secret')
  const local = passwordRevoke('http://127.0.0.1:9229', 'client-1', 'r.t')
  t.equal(local.init.headers['X-Amz-Target'], 'AWSCognitoIdentityProviderService.RevokeToken')
  t.same(JSON.parse(local.init.body), { ClientId: 'client-1', Token: 'r.t' })
})
