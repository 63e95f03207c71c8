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

  const off = createTokenCache<string>(0)
  off.set('x', 'X', Date.now() + 1000)
  t.equal(off.get('x'), undefined, 'size 0 disables')
})
