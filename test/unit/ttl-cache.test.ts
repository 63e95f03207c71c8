// ttlCache: what lru-cache does differently from what its callers mean (TTL 0, a clock at 0, a clock moved synchronously).
import t from 'tap'
import { singleFlightCache, ttlCache } from '../../src/ttl-cache.js'

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

t.test('singleFlightCache: one load per key, cached for the TTL; an evict drops the value and the load in flight, which is not cached', async t => {
  let clock = 0
  const pending: Array<() => void> = []
  const load = () => new Promise<{ n: number }>(resolve => { const n = pending.length + 1; pending.push(() => resolve({ n })) })
  const cache = singleFlightCache<{ n: number }>(10, 1000, () => clock)
  const burst = [cache.load('a', load), cache.load('a', load)]
  pending[0]!()
  t.same(await Promise.all(burst), [{ n: 1 }, { n: 1 }], 'a burst is one load')
  t.same(cache.get('a'), { n: 1 })
  const before = cache.load('b', load)
  cache.evict(value => value.n === 1, () => true)
  t.equal(cache.get('a'), undefined, 'evicted')
  const after = cache.load('b', load)
  t.equal(pending.length, 3, 'a load after the evict does not join the one before it')
  pending[1]!()
  t.same(await before, { n: 2 }, 'the load from before the evict is still answered')
  t.equal(cache.get('b'), undefined, 'but not cached')
  pending[2]!()
  t.same(await after, { n: 3 })
  t.same(cache.get('b'), { n: 3 }, 'the load after it is')
  clock += 1001
  t.equal(cache.get('b'), undefined, 'expired after the TTL')
  const off = singleFlightCache<{ n: number }>(10, 0)
  const twice = [off.load('a', load), off.load('a', load)]
  pending[3]!()
  t.same(await Promise.all(twice), [{ n: 4 }, { n: 4 }], 'with caching off, still one load at a time')
  t.equal(off.get('a'), undefined, 'and nothing is kept')
  t.equal(off.size, 0)
})
