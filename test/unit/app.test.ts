import t from 'tap'
import { build } from '../helpers/build.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { baseEnv } from '../helpers/build.js'

t.test('GET /health is public and does no I/O', async t => {
  const app = await build(t)
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('unknown routes are problem+json 404', async t => {
  const app = await build(t)
  const res = await app.inject('/nope?x=1')
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Route GET /nope not found' })
})

t.test('framework errors are problem+json too', async t => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/health/%E0%A4%A' })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
})

t.test('a route without an access policy stops startup', async t => {
  const app = await buildApp(loadConfig(baseEnv))
  t.teardown(() => app.close())
  t.throws(() => app.get('/open', async () => 'x'), { name: 'MissingPolicyError', message: /GET \/open declares no access policy/ })
  t.throws(() => app.get('/bad', { config: { auth: { groups: ['root' as 'admins'] } } }, async () => 'x'), { message: /invalid config.auth.groups/ })
})

t.test('every response carries exactly the headers @fastify/helmet would set, 401 and 404 problems included', async t => {
  const { helmetHeaders } = await import('../../plugins/http-security.js')
  const expected = await helmetHeaders()
  t.match(expected['content-security-policy'], /default-src 'none'/, 'read from helmet, not empty')
  const app = await build(t)
  for (const res of [await app.inject('/health'), await app.inject('/me'), await app.inject('/nope')]) {
    for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${res.statusCode} ${name}`)
  }
})

t.test('credentials in a query string never reach a log line', async t => {
  const { redactUrl } = await import('../../src/http/log.js')
  t.equal(redactUrl('/me'), '/me')
  t.equal(redactUrl('/orders?limit=5&cursor=abc'), '/orders?limit=5&cursor=abc')
  t.equal(redactUrl('/me?access_token=a.b.c&x=1&ID_TOKEN=d&Access%5Ftoken=e&token&code=f'), '/me?access_token=[redacted]&x=1&ID_TOKEN=[redacted]&Access%5Ftoken=[redacted]&token=[redacted]&code=[redacted]')

  const { loggerOptions } = await import('../../src/app.js')
  const lines: string[] = []
  const stream = { write: (line: string) => { lines.push(line) } }
  const app = await build(t, {}, { logger: { ...loggerOptions('info'), stream } })
  const secret = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJl'
  const urls = [`/me?access_token=${secret}`, `/me?id_token=${secret}`, `/nope?token=${secret}`, `/health?code=${secret}&x=1`, `/health/%E0%A4%A?access_token=${secret}`]
  for (const url of urls) await app.inject({ url })
  // Every request writes its access line, the router's refusal of the malformed URL included.
  t.ok(lines.length >= urls.length, 'the requests were logged')
  for (const line of lines) t.notOk(line.includes(secret) || line.includes('c2lnbmF0dXJl'), `no credential in: ${line.slice(0, 160)}`)
  const access = lines.map(l => JSON.parse(l)).filter(l => l.msg === 'request')
  t.ok(access.some(l => l.route === '/me' && l.status === 401), 'the access line names the route, not the URL')
  t.ok(access.some(l => l.path === '/nope'), 'an unrouted request: its path, without the query string')
  t.ok(access.some(l => l.path === '/health/%E0%A4%A' && l.status === 400), 'a URL the router refuses: its line too, without the query string')
  // A line that does carry the URL (an error logged with its request) carries it redacted.
  const { requestSerializer } = await import('../../src/app.js')
  t.match(requestSerializer({ method: 'GET', url: `/health?code=${secret}&x=1`, headers: {} } as never), { url: '/health?code=[redacted]&x=1' })
})

t.test('health and readiness are never rate-limited; /docs has its own bucket', async t => {
  const app = await build(t, { RATE_LIMIT_MAX: '3' })
  for (let i = 0; i < 20; i++) t.equal((await app.inject('/health')).statusCode, 200)
  t.not((await app.inject('/health/ready')).statusCode, 429, 'readiness answers (503 here: no DynamoDB), never 429')
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/docs/json')).statusCode, 200, 'the docs bucket is untouched by health traffic')
  const limited = await app.inject('/docs/json')
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.ok(Number(limited.headers['retry-after']) >= 1)
  t.equal((await app.inject('/health')).statusCode, 200, 'health still answers with the docs bucket spent')
  t.not((await app.inject('/health/ready')).statusCode, 429)
})

t.test('TRUST_PROXY decides whose X-Forwarded-For sets the client address', async t => {
  const docs = (app: Awaited<ReturnType<typeof build>>, client: string) =>
    app.inject({ url: '/docs/json', remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': client } })
  // Off: the header is ignored, so every "client" shares the proxy's bucket.
  const off = await build(t, { RATE_LIMIT_MAX: '1' })
  t.equal((await docs(off, '198.51.100.1')).statusCode, 200)
  t.equal((await docs(off, '198.51.100.2')).statusCode, 429, 'a forged X-Forwarded-For buys no new bucket')
  // The load balancer's range is trusted: each client has its own bucket.
  for (const TRUST_PROXY of ['10.0.0.0/24', '1']) {
    const on = await build(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY })
    t.equal((await docs(on, '198.51.100.1')).statusCode, 200, TRUST_PROXY)
    t.equal((await docs(on, '198.51.100.2')).statusCode, 200, TRUST_PROXY)
    t.equal((await docs(on, '198.51.100.1')).statusCode, 429, TRUST_PROXY)
  }
  // A peer outside the trusted range cannot choose its address.
  const listed = await build(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY: '10.0.0.0/24' })
  const direct = (client: string) => listed.inject({ url: '/docs/json', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': client } })
  t.equal((await direct('198.51.100.1')).statusCode, 200)
  t.equal((await direct('198.51.100.2')).statusCode, 429)
})

t.test('OpenAPI: limit is optional on every list route, with its default', async t => {
  const app = await build(t)
  const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string, in: string, required?: boolean, schema: { default?: number } }> } }> }
  for (const [path, def] of [['/orders', 20], ['/users', 25], ['/tenants', 25], ['/audit', 25]] as const) {
    const limit = doc.paths[path]?.get?.parameters?.find(p => p.in === 'query' && p.name === 'limit')
    t.ok(limit, `${path} documents limit`)
    t.notOk(limit?.required, `${path}: limit is not required`)
    t.equal(limit?.schema.default, def, `${path}: limit defaults to ${def}`)
  }
})

t.test('validation problems name the allowed values and the unknown property', async t => {
  const { Type } = await import('typebox')
  const Body = Type.Object({
    status: Type.Union([Type.Literal('draft'), Type.Literal('confirmed')]),
    size: Type.Optional(Type.Enum(['s', 'm'])),
    kind: Type.Optional(Type.Literal('order'))
  }, { additionalProperties: false })
  const app = await build(t, {}, {}, app => {
    app.post('/probe', { config: { auth: 'public' }, schema: { body: Body } }, async () => 'ok')
  })
  const errors = async (payload: unknown) => {
    const res = await app.inject({ method: 'POST', url: '/probe', payload: payload as object })
    t.equal(res.statusCode, 400)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    return res.json().errors
  }
  t.same(await errors({ status: 'bogus' }), [{ path: 'body/status', message: 'must be one of "draft", "confirmed"' }], 'one error, not one per literal')
  t.same(await errors({ status: 3 }), [{ path: 'body/status', message: 'must be one of "draft", "confirmed"' }], 'a wrong type too')
  t.same(await errors({ status: 'draft', tenantId: 't-1' }), [{ path: 'body', message: 'must NOT have additional property "tenantId"' }])
  t.same(await errors({ status: 'draft', size: 'xl' }), [{ path: 'body/size', message: 'must be one of "s", "m"' }])
  t.same(await errors({ status: 'draft', kind: 'other' }), [{ path: 'body/kind', message: 'must be "order"' }])
})

t.test('GET /me: an access token carries no email, the resolved membership does', async t => {
  const { toMe } = await import('../../routes/me/index.js')
  const principal = { userId: 'u1', username: 'u1', clientId: 'c', tokenUse: 'access' as const, groups: [], scopes: [], issuedAt: 0, expiresAt: 0 }
  const none = { email: null, tenants: [] }
  t.equal(toMe(principal, { tenantId: 'a', groups: ['members'], email: 'u1@example.com' }, none).email, 'u1@example.com')
  t.equal(toMe(principal, null, none).email, null, 'no account record, no membership: no email to show')
  t.equal(toMe(principal, null, { email: 'now@example.com', tenants: [] }).email, 'now@example.com', 'the account\'s address, with no tenant chosen')
  t.equal(toMe(principal, { tenantId: 'a', groups: [], email: 'old@example.com' }, { email: 'now@example.com', tenants: [] }).email, 'now@example.com', 'the account\'s address wins over a membership\'s copy')
  t.equal(toMe({ ...principal, email: 'id@example.com' }, { tenantId: 'a', groups: [], email: 'old@example.com' }, none).email, 'id@example.com', "an ID token's verified email wins")
  t.strictSame(toMe(principal, null, none, ['platform-admins']).platformRoles, ['platform-admins'])
})

t.test('431 (request headers too large) is problem+json, like every other error', async t => {
  const { connect } = await import('node:net')
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.on('data', chunk => { data += String(chunk) })
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
    // Node's default limit is 16 KB of headers.
    socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  })
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 431 /)
  t.match(head, /content-type: application\/problem\+json/i)
  t.same(JSON.parse(body), { type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: 'The request headers are too large' })
})
