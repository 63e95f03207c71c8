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
