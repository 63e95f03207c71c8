// The request's lazy pino child (src/http/lazy-log.ts): at warn a served request makes no child and writes nothing;
// a line at an enabled level is written once, by a real child carrying every binding (reqId, userId, tenantId).
import t from 'tap'
import pino from 'pino'
import { LazyRequestLogger, lazyChildLogger } from '../../src/http/lazy-log.js'
import { build } from '../helpers/build.js'
import { issuerFor } from '../helpers/issuer.js'
import { loggerOptions } from '../../src/app.js'

const capture = (level: string) => {
  const lines: Array<Record<string, unknown>> = []
  const parent = pino({ level }, { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>) } })
  let children = 0
  // Counted on the receiver (children inherit this property through pino's prototype chain).
  const child = parent.child as unknown as (this: unknown, b: pino.Bindings, o?: pino.ChildLoggerOptions) => pino.Logger
  parent.child = function (this: unknown, b: pino.Bindings, o?: pino.ChildLoggerOptions) { children++; return child.call(this, b, o) } as unknown as typeof parent.child
  return { parent, lines, children: () => children }
}

/** Fastify calls the factory on the server instance, with the raw request last; neither matters here. */
const make = (logger: unknown, bindings: Record<string, unknown>, opts: Record<string, unknown>) =>
  lazyChildLogger.call(undefined as never, logger as never, bindings, opts, undefined as never) as unknown

t.test('below its level nothing is made or written; at it, one real child with every binding', async t => {
  const { parent, lines, children } = capture('warn')
  const log = make(parent, { reqId: 'r1' }, {}) as LazyRequestLogger
  t.type(log, LazyRequestLogger)
  log.setBindings({ userId: 'u1' })
  log.info({ a: 1 }, 'not written')
  log.debug('nor this')
  t.equal(children(), 0, 'no child made for lines below warn')
  t.notOk(log.isLevelEnabled('info'))
  t.ok(log.isLevelEnabled('error'))
  t.equal(log.level, 'warn')
  t.same(log.bindings(), { reqId: 'r1', userId: 'u1' })
  log.setBindings({ tenantId: 't1' })
  log.warn({ b: 2 }, 'written')
  log.error('and this')
  t.equal(children(), 1, 'one child, made at the first line written')
  t.match(lines, [{ level: 40, reqId: 'r1', userId: 'u1', tenantId: 't1', b: 2, msg: 'written' }, { level: 50, reqId: 'r1', msg: 'and this' }])
  log.setBindings({ extra: 'x' })
  log.fatal('after')
  t.match(lines[2], { extra: 'x', tenantId: 't1', msg: 'after' }, 'later bindings reach the real child')
  t.same(log.bindings(), { reqId: 'r1', userId: 'u1', tenantId: 't1', extra: 'x' })
  log.info('still below the level')
  log.trace('nor')
  log.silent()
  t.equal(lines.length, 3)
})

t.test('a route\'s own level, level changes and children of the request logger', async t => {
  const { parent, lines } = capture('warn')
  const log = make(parent, { reqId: 'r2' }, { level: 'debug' }) as LazyRequestLogger
  t.equal(log.level, 'debug')
  log.debug('route level debug')
  t.match(lines, [{ level: 20, reqId: 'r2', msg: 'route level debug' }])
  const quiet = make(parent, { reqId: 'r3' }, {}) as LazyRequestLogger
  quiet.level = 'trace'
  quiet.trace('now written')
  t.equal(quiet.level, 'trace')
  t.ok(quiet.isLevelEnabled('trace'))
  const grandchild = quiet.child({ part: 'x' })
  grandchild.warn('from a child')
  t.match(lines.slice(1), [{ level: 10, reqId: 'r3', msg: 'now written' }, { reqId: 'r3', part: 'x', msg: 'from a child' }])
  const silent = make(capture('silent').parent, { reqId: 'r4' }, {}) as LazyRequestLogger
  t.notOk(silent.isLevelEnabled('fatal'), 'silent: nothing enabled')
})

t.test('a logger that is not pino gets its own child, as Fastify makes it', async t => {
  const made: unknown[] = []
  const other = { child: (b: unknown) => { made.push(b); return other } } as never
  t.equal(make(other, { reqId: 'r5' }, {}), other)
  t.same(made, [{ reqId: 'r5' }])
})

t.test('through the app at warn: a served request writes nothing; a failing one writes its line with user and tenant', async t => {
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>) } }
  const idp = await issuerFor(t)
  const app = await build(t, idp.env, { logger: { ...loggerOptions('warn'), stream } }, app => {
    app.get('/probe', { config: { auth: { tenant: 'none' } } }, async () => ({ ok: true }))
    app.get('/boom', { config: { auth: { tenant: 'none' } } }, async () => { throw new Error('boom') })
  })
  const headers = { authorization: `Bearer ${idp.token({ sub: 'u-lazy' })}` }
  t.equal((await app.inject({ url: '/probe', headers })).statusCode, 200)
  t.same(lines.filter(l => l.msg === 'request'), [], 'no access line at warn')
  t.equal((await app.inject({ url: '/boom', headers })).statusCode, 500)
  const errored = lines.filter(l => l.level === 50)
  t.ok(errored.length > 0, 'the failure is logged')
  t.ok(errored.every(l => l.userId === 'u-lazy' && typeof l.reqId === 'string'), 'with the request id and the user bound before it')
})
