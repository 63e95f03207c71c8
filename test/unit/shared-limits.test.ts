// The leased request limiter and the shared Cognito budget over a store in memory (the table's own test is in
// test/integration/shared-limits.test.ts): sums across instances, slices, windows, and what happens when the store fails.
import t from 'tap'
import { createLeasedLimiter, sliceOf } from '../../src/limits/leased-limiter.js'
import { createCognitoBudget, shareRuleOf } from '../../src/limits/cognito-budget.js'
import { createMemoryLimitStore, type LimitStore } from '../../src/limits/store.js'
import { RateLimitExceeded } from '../../src/cognito/pacing.js'

async function takeMany (limiter: ReturnType<typeof createLeasedLimiter>, subject: string, n: number) {
  let allowed = 0
  for (let i = 0; i < n; i++) if (await limiter.take(subject) === 0) allowed++
  return allowed
}

t.test('slices scale with the limit', async t => {
  t.equal(sliceOf(5), 1)
  t.equal(sliceOf(40), 3)
  t.equal(sliceOf(1000), 63)
})

t.test('two instances share one budget per window; a subject never gets more than max', async t => {
  let clock = 60_000
  const store = createMemoryLimitStore()
  const a = createLeasedLimiter({ store, name: 'requests', max: 40, windowMs: 60_000, now: () => clock })
  const b = createLeasedLimiter({ store, name: 'requests', max: 40, windowMs: 60_000, now: () => clock })
  let allowed = 0
  for (let i = 0; i < 50; i++) {
    if (await a.take('tenant:t1') === 0) allowed++
    if (await b.take('tenant:t1') === 0) allowed++
  }
  t.ok(allowed >= 36 && allowed <= 40, `allowed ${allowed} of 100 with max 40`)
  t.equal(await takeMany(a, 'tenant:t2', 10), 10, 'another subject is unaffected')
  const refusal = await a.take('tenant:t1')
  t.ok(refusal > 0 && refusal <= 60_000, 'a refusal says how long until the window ends')
  clock += 60_000
  t.equal(await a.take('tenant:t1'), 0, 'the next window starts afresh')
})

t.test('a busy subject costs one write per slice: at the default limit, at most one write per 10 requests', async t => {
  const store = createMemoryLimitStore()
  const limiter = createLeasedLimiter({ store, name: 'requests', max: 1000, windowMs: 60_000, now: () => 0 })
  t.equal(await takeMany(limiter, 'tenant:busy', 1000), 1000)
  t.ok(store.writes <= 100, `${store.writes} writes for 1000 requests`)
  t.equal(store.writes, Math.ceil(1000 / 63))
})

t.test('the common case is synchronous: no promise while the instance holds leased budget', async t => {
  const limiter = createLeasedLimiter({ store: createMemoryLimitStore(), name: 'requests', max: 100, windowMs: 60_000, now: () => 0 })
  t.type(limiter.take('s'), Promise, 'the first request leases')
  await limiter.take('s')
  t.equal(limiter.take('s'), 0)
})

t.test('concurrent requests share one lease', async t => {
  const store = createMemoryLimitStore()
  const limiter = createLeasedLimiter({ store, name: 'requests', max: 160, windowMs: 60_000, now: () => 0 })
  const answers = await Promise.all(Array.from({ length: 10 }, () => limiter.take('s')))
  t.same(answers, Array(10).fill(0))
  t.equal(store.writes, 1, 'ten requests, one slice of 10')
})

const failing = (): LimitStore & { calls: number } => {
  const s = {
    calls: 0,
    async lease () { s.calls++; throw new Error('DynamoDB is down') },
    async takeShare () { s.calls++; throw new Error('DynamoDB is down') },
    writes: 0
  }
  return s
}

t.test('request limits fail open when the store fails, capped at max per instance, and ask again after degradedMs', async t => {
  let clock = 0
  const store = failing()
  const errors: unknown[] = []
  const limiter = createLeasedLimiter({ store, name: 'requests', max: 20, windowMs: 60_000, degradedMs: 1000, now: () => clock, onStoreError: err => errors.push(err) })
  t.equal(await takeMany(limiter, 's', 30), 20, 'served up to the limit from local counting, then refused')
  t.equal(store.calls, 1, 'the store is not asked again while degraded')
  t.equal(errors.length, 1, 'one warning per degraded spell')
  t.ok(await limiter.take('s') > 0)
  clock += 60_000
  await limiter.take('other')
  clock += 1001
  await limiter.take('other')
  t.equal(store.calls, 2, 'asked again once the degraded spell is over')
})

t.test('a store that hangs is bounded by its own timeout: the limit goes on (tested with the table in integration)', async t => {
  const store: LimitStore = { lease: async () => await new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), 20)), takeShare: async () => undefined, writes: 0 }
  const limiter = createLeasedLimiter({ store, name: 'requests', max: 10, windowMs: 60_000 })
  t.equal(await limiter.take('s'), 0)
})

t.test('the Cognito share rule: half per tenant, a fifth kept for newcomers', async t => {
  t.same(shareRuleOf(2), { max: 2, share: 1, open: 1 })
  t.same(shareRuleOf(25), { max: 25, share: 12, open: 20 })
  t.same(shareRuleOf(1), { max: 1, share: 1, open: 0 })
})

t.test('the Cognito budget across two instances: a flooding tenant gets its share, a quiet one is served', async t => {
  const store = createMemoryLimitStore()
  const clock = 7_000
  const a = createCognitoBudget({ store, category: 'userUpdate', perSecond: 4, now: () => clock })
  const b = createCognitoBudget({ store, category: 'userUpdate', perSecond: 4, now: () => clock })
  // The deadline is the current second: no waiting for the next one.
  const flood = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).acquire('hog', clock)))
  t.equal(flood.filter(r => r.status === 'fulfilled').length, 2, 'the flood got its share (half of 4) across both instances')
  t.ok(flood.every(r => r.status === 'fulfilled' || r.reason instanceof RateLimitExceeded), 'the rest: RateLimitExceeded (503 + Retry-After)')
  await t.resolves(a.acquire('quiet', clock), 'a quiet tenant is served in the same second')
  await t.resolves(b.acquire('other', clock), 'and another')
  t.ok(store.writes <= 6, `one write per call, and one refused per instance and tenant (${store.writes})`)
})

t.test('the Cognito budget on a fixed clock: the total per second holds, the reserve is for tenants new to the second', async t => {
  const store = createMemoryLimitStore()
  const clock = 5_000
  const budget = createCognitoBudget({ store, category: 'userRead', perSecond: 10, now: () => clock })
  const rule = budget.rule
  t.same(rule, { max: 10, share: 5, open: 8 })
  const outcome = async (tenant: string) => await budget.acquire(tenant, clock).then(() => 'ok', (err: unknown) => err instanceof RateLimitExceeded ? 'busy' : 'error')
  const results: string[] = []
  for (let i = 0; i < 6; i++) results.push(await outcome('t1'))
  t.same(results, ['ok', 'ok', 'ok', 'ok', 'ok', 'busy'], 'a tenant stops at its share')
  for (let i = 0; i < 4; i++) results.push(await outcome('t2'))
  t.same(results.slice(6), ['ok', 'ok', 'ok', 'busy'], 'past `open`, only tenants new to the second')
  t.equal(await outcome('t3'), 'ok', 'a newcomer takes the reserve')
  t.equal(await outcome('t4'), 'ok')
  t.equal(await outcome('t5'), 'busy', 'the second is full')
})

t.test('the Cognito budget fails open to the local pacing when the store fails', async t => {
  const store = failing()
  const errors: unknown[] = []
  const budget = createCognitoBudget({ store, category: 'userUpdate', perSecond: 1, onStoreError: err => errors.push(err) })
  for (let i = 0; i < 5; i++) await budget.acquire('t1', Date.now() + 10)
  t.equal(store.calls, 1)
  t.equal(errors.length, 1)
})

t.test('with the table down or hanging, a request is neither lost nor hung: the limits fail open, and say so once', async t => {
  const { createServer } = await import('node:net')
  const { build } = await import('../helpers/build.js')
  const { issuerFor } = await import('../helpers/issuer.js')
  const sockets = new Set<import('node:net').Socket>()
  const hole = createServer(s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => hole.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); hole.close() })
  const hanging = `http://127.0.0.1:${(hole.address() as import('node:net').AddressInfo).port}`
  const idp = await issuerFor(t)
  for (const [what, endpoint] of [['down', 'http://127.0.0.1:9'], ['hanging', hanging]] as const) {
    const lines: Array<{ msg: string }> = []
    const logger = { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } }
    // The longest JWKS timeout: this test is about the limit store; on a saturated host the first key fetch took over
    // the default 1.5 s and the request answered 503 (keys unavailable), which is not what is tested here.
    const app = await build(t, { ...idp.env, JWKS_TIMEOUT_MS: '10000', LIMITS_STORE: 'dynamodb', DYNAMODB_ENDPOINT: endpoint, RATE_LIMIT_MAX: '3' }, { logger },
      app => app.get('/platform-probe', { config: { auth: { tenant: 'none' } } }, async () => ({ ok: true })))
    const headers = { authorization: `Bearer ${idp.token({ sub: `u-${what}` })}` }
    const codes: number[] = []
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ url: '/platform-probe', headers })).statusCode)
    t.same(codes, [200, 200, 200, 429, 429], `${what}: served up to the limit on this instance's own count, then 429`)
    t.equal(lines.filter(l => /shared limit store failed/.test(l.msg)).length, 2, `${what}: one warning per limit (the caller's, the request bucket's)`)
  }
})
