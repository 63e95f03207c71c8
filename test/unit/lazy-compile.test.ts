// buildApp({ lazy: true }), what the Lambda runs (src/lambda.ts): each route's validators and serializers are
// compiled on its first request instead of at ready(), and answer exactly as the eagerly compiled ones do.
import t from 'tap'
import { build, type App } from '../helpers/build.js'

const probe = (app: App) => {
  app.post('/probe', {
    config: { auth: 'public' },
    schema: {
      querystring: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false },
      body: { type: 'object', properties: { quantity: { type: 'integer' } }, required: ['quantity'], additionalProperties: false },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' }, quantity: { type: 'integer' } } } }
    }
  }, async (request) => ({ ...(request.query as object), ...(request.body as object), secret: 'not in the response schema' }) as { n?: number, quantity?: number })
}

t.test('lazily compiled routes validate, coerce and serialize like eagerly compiled ones', async t => {
  const requests = [
    { method: 'POST' as const, url: '/probe?n=3', payload: { quantity: 2 } },
    { method: 'POST' as const, url: '/probe?n=3', payload: { quantity: '2' } },
    { method: 'POST' as const, url: '/probe?n=x', payload: { quantity: 2 } },
    { method: 'POST' as const, url: '/probe', payload: { quantity: 2, extra: true } },
    { method: 'POST' as const, url: '/probe', payload: {} },
    { method: 'GET' as const, url: '/health' }
  ]
  const eager = await build(t, {}, {}, probe)
  const lazy = await build(t, {}, { lazy: true }, probe)
  for (const r of requests) {
    const [e, l] = [await eager.inject(r), await lazy.inject(r)]
    t.equal(l.statusCode, e.statusCode, `${r.method} ${r.url} ${JSON.stringify(r.payload)}: ${e.statusCode}`)
    t.equal(l.body, e.body, 'same body')
  }
  const ok = await lazy.inject(requests[0]!)
  t.same(ok.json(), { n: 3, quantity: 2 }, 'query coerced, body checked, response filtered by its schema')
  t.equal((await lazy.inject(requests[1]!)).statusCode, 400, 'a JSON body is not coerced')
})

t.test('nothing is compiled before a request needs it', async t => {
  const broken = (app: App) => {
    app.post('/broken', { config: { auth: 'public' }, schema: { body: { $ref: '#/definitions/missing' } } }, async () => ({}))
  }
  await t.rejects(build(t, {}, {}, broken), /Failed building the validation schema/, 'eager: an uncompilable schema stops ready()')
  const lazy = await build(t, {}, { lazy: true }, broken)
  t.pass('lazy: ready() did not compile it')
  t.equal((await lazy.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode, 500, 'its first request does, and fails')
  t.equal((await lazy.inject('/health')).statusCode, 200, 'other routes are unaffected')
})

t.test('lazily built Swagger UI answers /docs as the eagerly registered one does', async t => {
  const eager = await build(t)
  const lazy = await build(t, {}, { lazy: true })
  for (const url of ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/index.html', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js', '/docs/static/favicon-32x32.png', '/docs/static/nope.js']) {
    for (const method of ['GET', 'HEAD'] as const) {
      const [e, l] = [await eager.inject({ method, url }), await lazy.inject({ method, url })]
      t.equal(l.statusCode, e.statusCode, `${method} ${url}: ${e.statusCode}`)
      t.ok(l.rawPayload.equals(e.rawPayload), 'same body')
      for (const h of ['content-type', 'content-security-policy', 'cache-control', 'location', 'x-frame-options', 'strict-transport-security']) {
        t.equal(l.headers[h], e.headers[h], `${h} ${String(e.headers[h]).slice(0, 40)}`)
      }
    }
  }
  const doc = (await lazy.inject('/docs/json')).json()
  t.ok(doc.paths['/orders'], 'the document lists the API')
  t.notOk(Object.keys(doc.paths).some(p => p.startsWith('/docs')), 'and hides the docs routes')
})

t.test('the lazily built /docs routes keep the docs rate-limit bucket', async t => {
  const lazy = await build(t, { RATE_LIMIT_MAX: '3' }, { lazy: true })
  for (let i = 0; i < 3; i++) t.equal((await lazy.inject('/docs/json')).statusCode, 200)
  t.equal((await lazy.inject('/docs/static/index.html')).statusCode, 429, 'the fourth docs request is limited')
  t.equal((await lazy.inject('/health')).statusCode, 200, 'health is not')
})
