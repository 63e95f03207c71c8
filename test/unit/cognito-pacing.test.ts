// The sliding-window limiter: never more than `limit` starts in any window, and fail-fast beyond maxWaitMs.
import t from 'tap'
import { createRateLimiter, RateLimitExceeded } from '../../src/cognito/pacing.js'

t.test('at most `limit` starts in any window, in arrival order', async t => {
  const limiter = createRateLimiter({ limit: 5, windowMs: 200, maxWaitMs: 5000 })
  const starts: Array<{ i: number, at: number }> = []
  // The limiter's own recorded start times: when a caller's continuation runs later (a busy event loop) is not the limiter's doing.
  await Promise.all(Array.from({ length: 23 }, async (_, i) => { const at = await limiter.acquire(); starts.push({ i, at }) }))
  t.same(starts.map(s => s.i), Array.from({ length: 23 }, (_, i) => i), 'FIFO')
  const times = starts.map(s => s.at)
  for (let k = 5; k < times.length; k++) t.ok((times[k] as number) - (times[k - 5] as number) >= 200, `start ${k} is a full window after start ${k - 5}`)
  t.ok((times.at(-1) as number) - (times[0] as number) >= 800, 'four windows for 23 calls at 5 per window')
})

t.test('a caller who would wait longer than maxWaitMs is refused at once with a Retry-After', async t => {
  const limiter = createRateLimiter({ limit: 2, windowMs: 1000, maxWaitMs: 1500 })
  await limiter.acquire()
  await limiter.acquire()
  const queued = [limiter.acquire(), limiter.acquire()] // slots about 1 s away: within the max wait
  const before = Date.now()
  const err = await limiter.acquire().catch((e: unknown) => e)
  t.ok(err instanceof RateLimitExceeded)
  t.equal((err as RateLimitExceeded).retryAfterSeconds, 2)
  t.ok(Date.now() - before < 500, 'refused without waiting (a slot was 1 s away)')
  await Promise.all(queued)
})

t.test('maxWaitMs 0: only immediate slots', async t => {
  const limiter = createRateLimiter({ limit: 1, windowMs: 1000, maxWaitMs: 0 })
  await limiter.acquire()
  await t.rejects(limiter.acquire(), RateLimitExceeded)
})

t.test('round-robin between keys: a key with a backlog gets every other slot, not all of them', async t => {
  const limiter = createRateLimiter({ limit: 3, windowMs: 100, maxWaitMs: 5000 })
  const order: string[] = []
  const call = async (key: string) => { await limiter.acquire(key); order.push(key) }
  // a1..a3 start at once; a4..a6 queue, then b1..b3 arrive behind them.
  await Promise.all([...['a', 'a', 'a', 'a', 'a', 'a'].map(call), ...['b', 'b', 'b'].map(call)])
  t.same(order, ['a', 'a', 'a', 'a', 'b', 'a', 'b', 'a', 'b'])
})

t.test('one key flooding the limiter: another key\'s calls all start, within a few slots, and the flood is refused instead', async t => {
  // 5 per 100 ms; at most 300 ms of waiting.
  const limiter = createRateLimiter({ limit: 5, windowMs: 100, maxWaitMs: 300 })
  const run = { stop: false }
  const flood = { ok: 0, refused: 0 }
  // 30 loops that call back to back, like 30 parallel PATCH loops of one tenant's admin.
  const loops = Array.from({ length: 30 }, async () => {
    while (!run.stop) {
      try { await limiter.acquire('hog'); flood.ok++ } catch (err) {
        if (!(err instanceof RateLimitExceeded)) throw err
        flood.refused++
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    }
  })
  await new Promise(resolve => setTimeout(resolve, 150)) // the hog's queue is full by now
  t.ok(limiter.waiting('hog') > 5, `the hog has a backlog (${limiter.waiting('hog')})`)
  const waits: number[] = []
  for (let i = 0; i < 6; i++) {
    const before = Date.now()
    await limiter.acquire('victim') // rejects (and fails the test) if starved
    waits.push(Date.now() - before)
    await new Promise(resolve => setTimeout(resolve, 30))
  }
  run.stop = true
  await Promise.all(loops)
  t.ok(flood.refused > 0, `the flood was refused (${flood.refused} times), not the other key`)
  // A turn comes within the next freed slot or two (a slot every 20 ms here), never behind the hog's backlog.
  t.ok(Math.max(...waits) < 150, `the other key waited at most ${Math.max(...waits)} ms`)
})

t.test('calls without a key share one key: the single-key behaviour is unchanged', async t => {
  const limiter = createRateLimiter({ limit: 1, windowMs: 1000, maxWaitMs: 0 })
  await limiter.acquire()
  await t.rejects(limiter.acquire(''), RateLimitExceeded)
  t.equal(limiter.waiting(), 0)
})
