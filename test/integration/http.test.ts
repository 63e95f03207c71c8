// Cross-cutting HTTP behaviour on the full stack: authentication failures, CORS, helmet, /docs, per-tenant rate limit, request logs.
import t from 'tap'
import { Writable } from 'node:stream'
import { A, B, seedTwoTenants, startStack } from '../helpers/tenancy.js'
import { loggerOptions } from '../../src/app.js'

const stack = await startStack(t, [A, B])
await seedTwoTenants(stack, 'amy')

t.test('authentication failures are 401 problems with WWW-Authenticate', async t => {
  const app = await stack.app(t)
  const good = stack.idp.token({ sub: 'alice' })
  const [h, p, s] = good.split('.')
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'bob' })).toString('base64url')}.${s}`
  const cases: Array<[string, string | undefined]> = [
    ['no header', undefined],
    ['not bearer', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['malformed', 'Bearer a.b.c'],
    ['tampered payload', `Bearer ${tampered}`],
    ['expired', `Bearer ${stack.idp.token({ sub: 'alice', expiresIn: -60 })}`],
    ['another client', `Bearer ${stack.idp.token({ sub: 'alice', clientId: 'evil-client' })}`],
    ['an ID token', `Bearer ${stack.idp.token({ sub: 'alice', tokenUse: 'id' })}`],
    ['an untrusted issuer', `Bearer ${stack.idp.token({ sub: 'alice', extra: { iss: 'http://127.0.0.1:1/other' } })}`],
    ['an unknown key', `Bearer ${h!.replace(/.*/, Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'other', typ: 'JWT' })).toString('base64url'))}.${p}.${s}`],
    ['alg none', `Bearer ${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`]
  ]
  for (const [name, authorization] of cases) {
    const res = await app.inject({ url: '/orders', headers: authorization ? { authorization } : {} })
    t.equal(res.statusCode, 401, name)
    t.match(res.headers['www-authenticate'], /^Bearer/)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  t.equal((await app.inject({ url: '/orders', headers: { authorization: `Bearer ${good}` } })).statusCode, 200)
})

t.test('CORS: only configured origins', async t => {
  const app = await stack.app(t, { CORS_ORIGINS: 'https://app.example.com' })
  const preflight = (origin: string) => app.inject({ method: 'OPTIONS', url: '/orders', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' } })
  const allowed = await preflight('https://app.example.com')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(String(allowed.headers['access-control-allow-headers']), /idempotency-key/)
  const denied = await preflight('https://evil.example')
  t.notOk(denied.headers['access-control-allow-origin'], 'no allow-origin for another origin')
  const actual = await app.inject({ url: '/orders', headers: { origin: 'https://app.example.com', ...stack.auth({ sub: 'alice' }) } })
  t.equal(actual.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(String(actual.headers['access-control-expose-headers']), /etag/)

  const closed = await stack.app(t)
  const none = await closed.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } })
  t.notOk(none.headers['access-control-allow-origin'], 'no origins configured: no CORS')
})

t.test('helmet security headers on API responses and problems', async t => {
  const app = await stack.app(t)
  for (const res of [await app.inject('/health'), await app.inject({ url: '/orders', headers: stack.auth({ sub: 'alice' }) }), await app.inject('/nope')]) {
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.match(res.headers['strict-transport-security'], /max-age=/)
    t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'")
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    t.equal(res.headers['referrer-policy'], 'no-referrer')
    // HTML-only headers are not sent on a JSON API.
    t.notOk(res.headers['x-dns-prefetch-control'])
    t.notOk(res.headers['x-xss-protection'])
  }
})

t.test('/docs serves Swagger UI and an OpenAPI document with bearer auth and the orders paths', async t => {
  const app = await stack.app(t)
  const ui = await app.inject('/docs')
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
  t.match(ui.body, /swagger-ui/)
  t.match(ui.headers['content-security-policy'], /script-src 'self'/)
  const initializer = await app.inject('/docs/static/swagger-initializer.js')
  t.equal(initializer.statusCode, 200)
  const doc = (await app.inject('/docs/json')).json()
  t.equal(doc.openapi, '3.1.0')
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito access token' })
  t.ok(doc.paths['/orders'].post)
  t.ok(doc.paths['/orders'].get)
  t.ok(doc.paths['/orders/{orderId}'].get)
  t.ok(doc.paths['/orders/{orderId}'].patch)
  t.ok(doc.paths['/orders/{orderId}'].delete)
  t.same(doc.paths['/orders'].post.tags, ['orders'])
  t.ok(doc.paths['/orders/{orderId}'].patch.responses['412'])
  t.notOk(doc.paths['/docs/json'], 'the docs routes are hidden')
})

t.test('rate limit per tenant: 429 with Retry-After for one tenant, the other unaffected', async t => {
  const app = await stack.app(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' })
  const alice = stack.auth({ sub: 'alice' })
  const amy = stack.auth({ sub: 'amy' })
  const bob = stack.auth({ sub: 'bob' })
  for (const h of [alice, amy, alice]) {
    const ok = await app.inject({ url: '/orders', headers: h })
    t.equal(ok.statusCode, 200)
    t.notOk(Object.keys(ok.headers).some(k => k.startsWith('x-ratelimit-')), 'no per-instance counts advertised under the limit')
  }
  const limited = await app.inject({ url: '/orders', headers: amy })
  t.equal(limited.statusCode, 429, 'the budget is the tenant\'s, shared by its users')
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60)
  t.equal(limited.headers['x-ratelimit-remaining'], '0', 'the 429 says the budget is spent')
  t.match(limited.json(), { status: 429, title: 'Too Many Requests' })
  t.equal((await app.inject({ url: '/orders', headers: bob })).statusCode, 200, 'tenant B is not starved')
  t.equal((await app.inject({ url: '/orders' })).statusCode, 401, 'unauthenticated requests are refused before the limiter')
})

t.test('request logs carry reqId, tenantId and userId, and never a token', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb() } })
  const app = await stack.app(t, {}, { logger: { ...loggerOptions('info'), stream } })
  const token = stack.idp.token({ sub: 'alice' })
  const res = await app.inject({ url: '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: { authorization: `Bearer ${token}`, 'x-tenant-id': A } })
  t.equal(res.statusCode, 404)
  const entries = lines.map(l => JSON.parse(l) as Record<string, unknown>).filter(e => e.reqId !== undefined)
  // One access line per request at info: method, route pattern, status, latency, and the request's bindings.
  t.equal(entries.length, 1, 'one line for the request')
  t.match(entries[0], { msg: 'request', reqId: String, tenantId: A, userId: 'alice', method: 'GET', route: '/orders/:orderId', status: 404, ms: Number })
  // Bound once each (JSON.parse would hide a duplicated key: count in the raw lines).
  for (const line of lines.filter(l => l.includes('"tenantId"'))) {
    t.equal(line.split('"userId"').length - 1, 1, 'userId once per line')
    t.equal(line.split('"tenantId"').length - 1, 1, 'tenantId once per line')
  }
  const first = lines.join('\n')
  t.notOk(first.includes(token), 'the token is not logged')
  t.notOk(first.includes(token.split('.')[2]!), 'not even its signature')
  // A caller with no tenant (a platform admin on /me); the lines still name the caller.
  lines.length = 0
  const opsToken = stack.idp.token({ sub: 'ops-1', groups: ['platform-admins'] })
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${opsToken}` } })).statusCode, 200)
  const platform = lines.map(l => JSON.parse(l) as Record<string, unknown>).filter(e => e.reqId !== undefined)
  // One access line; Cognito is not reachable here, so the platform-role check of GET /me also logs its warning.
  t.equal(platform.filter(e => e.msg === 'request').length, 1, 'one access line')
  for (const e of platform) {
    t.match(e, { reqId: String, userId: 'ops-1' }, `platform: ${String(e.msg)}`)
    t.notOk('tenantId' in e, 'no tenant carried over from an earlier request')
  }
  const all = lines.join('\n')
  t.notOk(all.includes(opsToken), 'the platform token is not logged')
  // No route matched: the line names the path, never its query string (where a misplaced credential would sit).
  lines.length = 0
  t.equal((await app.inject({ url: '/nowhere?access_token=secret-in-query&x=1' })).statusCode, 404)
  const unrouted = lines.map(l => JSON.parse(l) as Record<string, unknown>).filter(e => e.reqId !== undefined)
  t.match(unrouted, [{ msg: 'request', path: '/nowhere', status: 404 }])
  t.notOk(lines.join('\n').includes('secret-in-query'), 'the query string is not logged')
})
