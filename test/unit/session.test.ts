// The console session's pure parts: the secret and what is derived from it, the cookie, the same-site check, and the
// managed login's URL from the configuration (the routes against the real stack: test/integration/session.test.ts).
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { clearedSessionCookie, SESSION_COOKIE, sessionCookie, sessionSecretOf } from '../../src/session/cookie.js'
import { sameSiteRefusal } from '../../src/session/same-site.js'
import { isSessionSecret, newSessionSecret, openRefreshToken, sealRefreshToken, sessionIdOf } from '../../src/session/secret.js'
import { baseEnv } from '../helpers/build.js'

t.test('a secret: 256 random bits; its id and key are independent of each other and of the secret', async t => {
  const secret = newSessionSecret()
  t.ok(isSessionSecret(secret), '43 base64url characters')
  t.not(newSessionSecret(), secret)
  t.match(sessionIdOf(secret), /^[0-9a-f]{64}$/)
  t.equal(sessionIdOf(secret), sessionIdOf(secret), 'the id is stable')
  t.notOk(sessionIdOf(secret).includes(Buffer.from(secret, 'base64url').toString('hex')), 'the id is not the secret')
  t.notOk(isSessionSecret(`${secret}A`) || isSessionSecret('short') || isSessionSecret(undefined))
})

t.test('the refresh token is sealed: only the same secret opens it, and any change is refused', async t => {
  const secret = newSessionSecret()
  const sealed = sealRefreshToken(secret, 'the.refresh.token')
  t.notOk(sealed.includes('the.refresh.token'))
  t.not(sealRefreshToken(secret, 'the.refresh.token'), sealed, 'a fresh IV each time')
  t.equal(openRefreshToken(secret, sealed), 'the.refresh.token')
  t.equal(openRefreshToken(newSessionSecret(), sealed), null, 'another secret')
  const [v, iv, data, tag] = sealed.split('.') as [string, string, string, string]
  const flipped = Buffer.from(data, 'base64url')
  flipped[0] = (flipped[0] ?? 0) ^ 1
  t.equal(openRefreshToken(secret, [v, iv, flipped.toString('base64url'), tag].join('.')), null, 'a changed ciphertext')
  t.equal(openRefreshToken(secret, ['v2', iv, data, tag].join('.')), null, 'an unknown version')
  t.equal(openRefreshToken(secret, 'v1.only-two'), null, 'a malformed value')
})

t.test('the cookie: one name, its attributes, and only a well-formed secret is read', async t => {
  const secret = newSessionSecret()
  t.equal(sessionCookie(secret, 60), `${SESSION_COOKIE}=${secret}; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Strict`)
  t.equal(clearedSessionCookie(), `${SESSION_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`)
  t.equal(sessionSecretOf(`a=1; ${SESSION_COOKIE}=${secret}; b=2`), secret)
  t.equal(sessionSecretOf(`${SESSION_COOKIE}=${secret}x`), undefined, 'malformed')
  t.equal(sessionSecretOf(`console-session=${secret}; noequals`), undefined, 'another name')
  t.equal(sessionSecretOf(undefined), undefined)
})

t.test('same site: the console\'s Origin, the custom header, and a same-origin fetch', async t => {
  const origins = ['https://console.example.com/', 'http://127.0.0.1:3001']
  const ok = { origin: 'https://console.example.com', 'x-console-session': '1' }
  t.equal(sameSiteRefusal(ok, origins), null, 'a configured origin (its trailing slash ignored)')
  t.equal(sameSiteRefusal({ ...ok, 'sec-fetch-site': 'same-origin' }, origins), null)
  t.match(sameSiteRefusal({ 'x-console-session': '1' }, origins), /Origin/)
  t.match(sameSiteRefusal({ ...ok, origin: 'null' }, origins), /origin may not/)
  t.match(sameSiteRefusal({ ...ok, 'x-console-session': undefined }, origins), /x-console-session/)
  t.match(sameSiteRefusal({ ...ok, 'sec-fetch-site': 'same-site' }, origins), /own origin/)
  t.match(sameSiteRefusal(ok, []), /origin may not/, 'no CORS_ORIGINS: every session request is refused')
})

t.test('the managed login\'s URL: https, except a loopback stand-in', async t => {
  t.equal(loadConfig({ ...baseEnv, COGNITO_DOMAIN: 'auth.example.com' }).loginUrl, 'https://auth.example.com')
  t.equal(loadConfig({ ...baseEnv, COGNITO_DOMAIN: '127.0.0.1:4567' }).loginUrl, 'http://127.0.0.1:4567')
  t.equal(loadConfig(baseEnv).loginUrl, undefined)
  t.equal(loadConfig(baseEnv).SESSION_TTL_SECONDS, 2592000)
})
