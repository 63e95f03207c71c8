import t from 'tap'
import { createTokenCache } from '../../src/auth/token-cache.js'

t.test('exact keys, expiry, bounded size with LRU order', async t => {
  let now = 1000
  const cache = createTokenCache<string>(3, () => now)
  cache.set('aaa.bbb.ccc', 'A', 2000)
  t.equal(cache.get('aaa.bbb.ccc'), 'A')
  t.equal(cache.get('aaa.bbb.ccd'), undefined, 'one byte different')
  t.equal(cache.get('aaa.bbb.cc'), undefined, 'a prefix')
  t.equal(cache.get('aaa.bbb.ccc '), undefined, 'an extension')
  now = 2001
  t.equal(cache.get('aaa.bbb.ccc'), undefined, 'expired')
  t.equal(cache.size, 0, 'and dropped')
  cache.set('late', 'L', 2000)
  t.equal(cache.size, 0, 'an already expired entry is not stored')

  now = 0
  cache.set('1', '1', 10); cache.set('2', '2', 10); cache.set('3', '3', 10)
  cache.get('1') // 1 is now the most recent
  cache.set('4', '4', 10)
  t.equal(cache.size, 3)
  t.equal(cache.get('2'), undefined, 'least recently used evicted')
  t.equal(cache.get('1'), '1')

  // Tokens that share the indexed tail (the last 32 characters) but differ before it: each is only ever its own hit.
  now = 0
  const tail = 'S'.repeat(40)
  const shared = createTokenCache<string>(10, () => now)
  shared.set(`h.p1.${tail}`, 'first', 10)
  t.equal(shared.get(`h.p2.${tail}`), undefined, 'same signature tail, different payload: a miss')
  t.equal(shared.get(`h.p1.${tail}`), 'first', 'the cached token still hits')
  shared.set(`h.p2.${tail}`, 'second', 10)
  t.equal(shared.get(`h.p2.${tail}`), 'second')
  t.equal(shared.get(`h.p1.${tail}`), undefined, 'a colliding set replaces, it never answers for the other token')

  const off = createTokenCache<string>(0)
  off.set('x', 'X', Date.now() + 1000)
  t.equal(off.get('x'), undefined, 'size 0 disables')
})
