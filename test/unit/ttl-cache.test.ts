// ttlCache: what lru-cache does differently from what its callers mean (TTL 0, a clock at 0, a clock moved synchronously).
import t from 'tap'
import { ttlCache } from '../../src/ttl-cache.js'

t.test('a TTL of 0 is no cache, not a cache that never expires', async t => {
  t.equal(ttlCache(10, 0), undefined)
  t.equal(ttlCache(10, -1), undefined)
})

t.test('expires after the TTL on an injected clock, also one that starts at 0 and moves without a timer', async t => {
  let clock = 0
  const cache = ttlCache<string, number>(10, 1000, () => clock)!
  cache.set('a', 1)
  clock += 1000
  t.equal(cache.get('a'), 1, 'still there at the TTL')
  clock += 1
  t.equal(cache.get('a'), undefined, 'gone after it')
  t.equal(cache.size, 0, 'and dropped on that read')
})

t.test('bounded: the least recently used entry goes first', async t => {
  const cache = ttlCache<string, number>(2, 1000, () => 0)!
  cache.set('a', 1)
  cache.set('b', 2)
  cache.get('a')
  cache.set('c', 3)
  t.same([...cache.keys()].sort(), ['a', 'c'])
})
