// The platform-admin check without Fastify or Cognito: the TTL, the size bound, single-flight, and a TTL of 0.
import t from 'tap'
import { createPlatformAdminCheck } from '../../src/tenancy/platform-admin.js'
import type { CognitoUser } from '../../src/cognito/user-pool.js'

function fake (ttlMs: number) {
  const admins = new Set(['op'])
  let lookups = 0
  let clock = 0
  const check = createPlatformAdminCheck({
    cognito: {
      getUser: async (username) => { lookups++; return { userId: username, username, emailVerified: true, status: 'CONFIRMED', enabled: true } satisfies CognitoUser },
      listGroups: async (username) => admins.has(username) ? ['platform-admins'] : []
    },
    ttlMs,
    maxEntries: 2,
    now: () => clock
  })
  return { check, admins, lookups: () => lookups, tick: (ms: number) => { clock += ms } }
}

t.test('reused within the TTL, asked again after it, and the expired entry is dropped when read', async t => {
  const { check, admins, lookups, tick } = fake(1000)
  t.equal(await check.isPlatformAdmin('op', 'op'), true)
  admins.delete('op')
  tick(999)
  t.equal(await check.isPlatformAdmin('op', 'op'), true, 'cached: a removal applies within the TTL')
  t.equal(lookups(), 1)
  tick(2)
  const pending = check.isPlatformAdmin('op', 'op')
  t.equal(check.size, 0, 'the expired entry is dropped when read')
  t.equal(await pending, false, 'read from Cognito again after the TTL')
  t.equal(lookups(), 2)
})

t.test('bounded: never above maxEntries, the least recently used goes first', async t => {
  const { check, lookups } = fake(1000)
  for (const u of ['a', 'b', 'a', 'c']) await check.isPlatformAdmin(u, u)
  t.equal(check.size, 2)
  t.equal(lookups(), 3)
  await check.isPlatformAdmin('a', 'a')
  t.equal(lookups(), 3, 'a, read after b, stayed')
  await check.isPlatformAdmin('b', 'b')
  t.equal(lookups(), 4, 'b went')
})

t.test('single-flight, with or without a cache; a TTL of 0 caches nothing', async t => {
  for (const ttlMs of [1000, 0]) {
    const { check, lookups } = fake(ttlMs)
    t.same(await Promise.all([check.isPlatformAdmin('op', 'op'), check.isPlatformAdmin('op', 'op')]), [true, true])
    t.equal(lookups(), 1, `a burst is one lookup (ttl ${ttlMs})`)
    await check.isPlatformAdmin('op', 'op')
    t.equal(lookups(), ttlMs > 0 ? 1 : 2, ttlMs > 0 ? 'cached' : 'not cached')
    t.equal(check.size, ttlMs > 0 ? 1 : 0)
  }
})
