// The sliding-window limiter: never more than `limit` starts in any window, and fail-fast beyond maxWaitMs.
import t from 'tap'
import { createRateLimiter, RateLimitExceeded } from '../../src/rate-limiter.js'

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
