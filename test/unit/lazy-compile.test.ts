// buildApp({ lazyCompile: true }), what the Lambda runs (src/lambda.ts): each route's validators and serializers are
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
  const lazy = await build(t, {}, { lazyCompile: true }, probe)
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
  const lazy = await build(t, {}, { lazyCompile: true }, broken)
  t.pass('lazy: ready() did not compile it')
  t.equal((await lazy.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode, 500, 'its first request does, and fails')
  t.equal((await lazy.inject('/health')).statusCode, 200, 'other routes are unaffected')
})
