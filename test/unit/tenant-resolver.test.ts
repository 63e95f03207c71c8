// The tenant resolver without Fastify or DynamoDB: outcomes, the TTL, the size bound, single-flight and evict.
import t from 'tap'
import { createTenantResolver } from '../../src/tenancy/resolver.js'
import type { Membership, Tenant } from '../../src/domain/model.js'

function fake (memberships: Membership[], tenants: Tenant[], ttlMs = 1000) {
  const calls = { findByUser: 0, get: 0, acceptFirst: 0 }
  let clock = 0
  const resolver = createTenantResolver({
    memberships: {
      findByUser: async (userId) => { calls.findByUser++; return memberships.filter(m => m.userId === userId) },
      get: async (scope, userId) => { calls.get++; return memberships.find(m => m.tenantId === scope.tenantId && m.userId === userId) ?? null }
    },
    acceptFirst: async (scope, userId) => {
      calls.acceptFirst++
      const m = memberships.find(x => x.tenantId === scope.tenantId && x.userId === userId)
      if (m?.status !== 'invited') return false
      m.status = 'active'
      return true
    },
    tenants: { get: async (id) => tenants.find(x => x.tenantId === id) ?? null, getMany: async (ids) => new Map(tenants.filter(x => ids.includes(x.tenantId)).map(x => [x.tenantId, x])) },
    accounts: { get: async () => null },
    ttlMs,
    maxEntries: 3,
    now: () => clock
  })
  return { resolver, calls, tick: (ms: number) => { clock += ms } }
}
const m = (tenantId: string, userId: string, status: Membership['status'] = 'active'): Membership =>
  ({ tenantId, userId, email: 'x', groups: ['members'], status, createdAt: '', updatedAt: '' })
const tn = (tenantId: string, status: Tenant['status'] = 'active'): Tenant => ({ tenantId, name: tenantId, status, createdAt: '', updatedAt: '' })

t.test('outcomes', async t => {
  const { resolver } = fake([m('a', 'u1'), m('a', 'u2', 'disabled'), m('a', 'u3'), m('b', 'u3'), m('s', 'u4')], [tn('a'), tn('b'), tn('s', 'suspended')])
  t.match(await resolver.resolve({ userId: 'u1' }), { kind: 'ok', context: { tenantId: 'a', groups: ['members'], email: 'x', scope: { tenantId: 'a' } } })
  t.match(await resolver.resolve({ userId: 'u2' }), { kind: 'denied', reason: 'Your membership is disabled' })
  t.match(await resolver.resolve({ userId: 'u3' }), { kind: 'ambiguous' })
  t.match(await resolver.resolve({ userId: 'u3', tenantId: 'b' }), { kind: 'ok', context: { tenantId: 'b' } })
  t.match(await resolver.resolve({ userId: 'u4' }), { kind: 'denied', reason: 'The tenant is suspended' })
  t.match(await resolver.resolve({ userId: 'nobody' }), { kind: 'none' })
  t.match(await resolver.resolve({ userId: 'u1', tenantId: 'b' }), { kind: 'denied' })
  const ok = await resolver.resolve({ userId: 'u1' })
  t.ok(ok.kind === 'ok' && Object.isFrozen(ok.context) && Object.isFrozen(ok.context.groups), 'the context cannot be changed by a handler')
})

t.test('cache: reused within the TTL, bounded, single-flight, evictable', async t => {
  const { resolver, calls, tick } = fake([m('a', 'u1', 'invited'), m('a', 'u2'), m('a', 'u3'), m('a', 'u4')], [tn('a')])
  const burst = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve({ userId: 'u1' })))
  t.ok(burst.every(r => r.kind === 'ok'))
  t.equal(calls.findByUser, 1, 'a burst is one lookup')
  t.equal(calls.acceptFirst, 1, 'invited → active once')
  await resolver.resolve({ userId: 'u1' })
  t.equal(calls.findByUser, 1, 'cached')
  tick(1001)
  await resolver.resolve({ userId: 'u1' })
  t.equal(calls.findByUser, 2, 'expired after the TTL')
  for (const u of ['u2', 'u3', 'u4']) await resolver.resolve({ userId: u })
  t.equal(resolver.size, 3, 'never above maxEntries')
  await resolver.resolve({ userId: 'u1' })
  t.equal(calls.findByUser, 6, 'the oldest entry (u1) was dropped')
  resolver.evict('u4')
  t.equal(resolver.size, 2)
  resolver.evictTenant('a')
  t.equal(resolver.size, 0)
})

t.test('a lookup in flight when its user is evicted is answered but not cached', async t => {
  // The read that started before a removal or disable must not be served from the cache for a whole TTL afterwards.
  const { resolver, calls } = fake([m('a', 'u1')], [tn('a')])
  const pending = resolver.resolve({ userId: 'u1' })
  resolver.evict('u1')
  t.equal((await pending).kind, 'ok', 'the in-flight request still gets its answer')
  t.equal(resolver.size, 0, 'but it is not remembered')
  await resolver.resolve({ userId: 'u1' })
  t.equal(calls.findByUser, 2, 'the next request reads again')

  const again = resolver.resolve({ userId: 'u1' })
  resolver.evictTenant('a')
  await again
  t.equal(resolver.size, 0, 'evictTenant does the same')
})

t.test('bounded by recency: an entry read since goes after the ones that were not', async t => {
  const { resolver, calls } = fake([m('a', 'u1'), m('a', 'u2'), m('a', 'u3'), m('a', 'u4')], [tn('a')])
  for (const u of ['u1', 'u2', 'u3']) await resolver.resolve({ userId: u })
  t.ok(resolver.peek({ userId: 'u1' }), 'u1 is read again (the oldest entry, but the most recently used)')
  await resolver.resolve({ userId: 'u4' })
  t.equal(resolver.size, 3)
  t.ok(resolver.peek({ userId: 'u1' }), 'u1 stays')
  t.equal(resolver.peek({ userId: 'u2' }), undefined, 'u2, the least recently used, went')
  t.equal(calls.findByUser, 4)
})

t.test('a TTL of 0 caches nothing, and a burst is still one lookup', async t => {
  const { resolver, calls } = fake([m('a', 'u1')], [tn('a')], 0)
  await Promise.all([resolver.resolve({ userId: 'u1' }), resolver.resolve({ userId: 'u1' })])
  t.equal(calls.findByUser, 1, 'single-flight')
  t.equal(resolver.size, 0)
  t.equal(resolver.peek({ userId: 'u1' }), undefined)
  await resolver.resolve({ userId: 'u1' })
  t.equal(calls.findByUser, 2, 'read again')
  resolver.evict('u1')
  resolver.evictTenant('a')
})

t.test('a cache miss reads the membership and its tenant side by side, and uses the tenant only once the membership confirms it', async t => {
  const inFlight = new Set<string>()
  let overlapped = false
  const read = async <T>(what: string, value: T): Promise<T> => {
    inFlight.add(what)
    if (inFlight.size === 2) overlapped = true
    await new Promise(resolve => setTimeout(resolve, 10))
    inFlight.delete(what)
    return value
  }
  const member = m('a', 'u1')
  const resolver = createTenantResolver({
    memberships: {
      findByUser: async (userId) => userId === 'u1' ? [member] : [],
      get: async (scope, userId) => await read('membership', scope.tenantId === 'a' && userId === 'u1' ? member : null)
    },
    acceptFirst: async () => false,
    accounts: { get: async () => null },
    tenants: { get: async (id) => await read('tenant', tn(id)), getMany: async () => new Map() },
    ttlMs: 1000
  })
  t.match(await resolver.resolve({ userId: 'u1' }), { kind: 'ok', context: { tenantId: 'a' } })
  t.ok(overlapped, 'both reads were in flight at once')
  // The tenant exists and is active, but the token's claim names a tenant the caller is not a member of.
  t.match(await resolver.resolve({ userId: 'u2', tenantId: 'a' }), { kind: 'denied', reason: 'You are not a member of this tenant' })
})

t.test('the membership alone decides a refusal, even when the tenant read alongside it fails', async t => {
  const stale = m('gone', 'u3')
  const members = [m('a', 'u2', 'disabled')]
  const resolver = createTenantResolver({
    memberships: {
      findByUser: async (userId) => userId === 'u3' ? [stale] : members.filter(x => x.userId === userId),
      get: async (scope, userId) => members.find(x => x.tenantId === scope.tenantId && x.userId === userId) ?? null
    },
    acceptFirst: async () => false,
    accounts: { get: async () => null },
    tenants: { get: async () => { throw new Error('DynamoDB throttled the tenant read') }, getMany: async () => new Map() },
    ttlMs: 0
  })
  t.match(await resolver.resolve({ userId: 'u1', tenantId: 'a' }), { kind: 'denied', reason: 'You are not a member of this tenant' })
  t.match(await resolver.resolve({ userId: 'u2' }), { kind: 'denied', reason: 'Your membership is disabled' })
  t.match(await resolver.resolve({ userId: 'u3' }), { kind: 'none' }, 'listed by the index, gone from the table')
  members.push(m('a', 'u4'))
  await t.rejects(resolver.resolve({ userId: 'u4' }), /throttled/, 'a member whose tenant cannot be read: the error, not a guess')
})

t.test('a request after an evict does not join a lookup that started before it', async t => {
  const member = m('a', 'u1')
  const gates: Array<() => void> = []
  let gets = 0
  const resolver = createTenantResolver({
    memberships: {
      findByUser: async () => [member],
      get: async () => {
        gets++
        const snapshot = { ...member }
        await new Promise<void>(resolve => gates.push(resolve))
        return snapshot
      }
    },
    acceptFirst: async () => false,
    accounts: { get: async () => null },
    tenants: { get: async (id) => tn(id), getMany: async () => new Map() },
    ttlMs: 1000
  })
  const before = resolver.resolve({ userId: 'u1' })
  await new Promise(resolve => setImmediate(resolve))
  member.status = 'disabled'
  resolver.evict('u1')
  const after = resolver.resolve({ userId: 'u1' })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(gets, 2, 'a second lookup started')
  for (const open of gates) open()
  t.match(await before, { kind: 'ok' }, 'the earlier request keeps what it read')
  t.match(await after, { kind: 'denied', reason: 'Your membership is disabled' })
  t.match(await resolver.resolve({ userId: 'u1' }), { kind: 'denied' }, 'and the earlier lookup did not cache its stale result')
})

t.test('refusals have their own short-lived cache: guesses at other tenants never evict real memberships', async t => {
  const memberships = [m('a', 'u1'), m('a', 'u2'), m('b', 'u9', 'invited')]
  memberships[2]!.status = 'pending'
  const { resolver, calls, tick } = fake(memberships, [tn('a'), tn('b')], 30_000)
  await resolver.resolve({ userId: 'u1' })
  await resolver.resolve({ userId: 'u2' })
  t.equal(resolver.size, 2)
  for (let i = 0; i < 50; i++) t.match(await resolver.resolve({ userId: 'u1', tenantId: `guess-${i}` }), { kind: 'denied' })
  t.equal(resolver.size, 2, 'the memberships are still cached')
  t.ok(resolver.deniedSize > 0 && resolver.deniedSize <= 1000)
  const reads = calls.get
  await resolver.resolve({ userId: 'u1' })
  await resolver.resolve({ userId: 'u2' })
  t.equal(calls.get, reads, 'answered from the cache, no read')
  await resolver.resolve({ userId: 'u1', tenantId: 'guess-3' })
  t.equal(calls.get, reads, 'a repeated guess is answered from the refusal cache')
  tick(5001)
  await resolver.resolve({ userId: 'u1', tenantId: 'guess-3' })
  t.equal(calls.get, reads + 1, 'a refusal lives a few seconds only, not the membership TTL')

  // A pending invitation is refused until accepted; accepting evicts the person (evictMembership), refusals included.
  t.match(await resolver.resolve({ userId: 'u9', tenantId: 'b' }), { kind: 'denied' })
  memberships[2]!.status = 'active'
  t.match(await resolver.resolve({ userId: 'u9', tenantId: 'b' }), { kind: 'denied' }, 'still the cached refusal')
  resolver.evict('u9')
  t.match(await resolver.resolve({ userId: 'u9', tenantId: 'b' }), { kind: 'ok' }, 'evict cleared the refusal')
})
