// A client-side sliding-window rate limiter that fails fast: a call waits for a slot, unless the wait would exceed maxWaitMs.
import { setTimeout as sleep } from 'node:timers/promises'

export interface RateLimiterOptions {
  /** Calls allowed in any window. */
  limit: number
  /** Window length; AWS quotas are per second. */
  windowMs?: number
  /** Longest acceptable wait for a slot; a caller that would wait longer is refused at once with RateLimitExceeded. */
  maxWaitMs: number
  now?: () => number
}

/** Thrown when a slot is further away than maxWaitMs. retryAfterSeconds: when one should be free again. */
export class RateLimitExceeded extends Error {
  override name = 'RateLimitExceeded'
  constructor (readonly retryAfterSeconds: number) { super('Client-side rate limit reached') }
}

/**
 * Why not a fixed-window bucket (bottleneck's reservoir): a fixed window lets 2x the limit through a 1 s span that
 * straddles a refill. This limiter guarantees at most `limit` call starts in ANY window of `windowMs`, measured on the
 * real start times, and knows how long a new caller would wait, which is what the 503 + Retry-After decision needs.
 */
export function createRateLimiter (opts: RateLimiterOptions) {
  const limit = Math.max(1, Math.floor(opts.limit))
  const windowMs = opts.windowMs ?? 1000
  const now = opts.now ?? Date.now
  /** Planned start of every admitted call still able to constrain a new one (FIFO, non-decreasing). */
  const planned: number[] = []
  /** Real start times within the last window. */
  const started: number[] = []
  let tail: Promise<void> = Promise.resolve()

  function prune (list: number[], before: number) {
    while (list.length > 0 && (list[0] as number) <= before) list.shift()
  }

  /** The earliest start for the next call, given what is already planned. */
  function nextSlot (t: number): number {
    prune(planned, t - windowMs)
    let slot = Math.max(t, planned.at(-1) ?? t)
    if (planned.length >= limit) slot = Math.max(slot, (planned[planned.length - limit] as number) + windowMs)
    return slot
  }

  return {
    /**
     * Resolves, with the recorded start time, when the caller may start; rejects with RateLimitExceeded instead of
     * waiting longer than maxWaitMs.
     */
    async acquire (): Promise<number> {
      const t = now()
      const slot = nextSlot(t)
      if (slot - t > opts.maxWaitMs) throw new RateLimitExceeded(Math.max(1, Math.ceil((slot - t) / 1000)))
      planned.push(slot)
      // One waiter at a time, in arrival order; the check on real start times absorbs timer lateness.
      const turn = tail.then(async (): Promise<number> => {
        for (;;) {
          const n = now()
          prune(started, n - windowMs)
          const free = started.length < limit ? Math.max(n, slot) : Math.max(slot, (started[0] as number) + windowMs + 1)
          if (free <= n) { started.push(n); return n }
          await sleep(free - n)
        }
      })
      tail = turn.then(() => {}, () => {})
      return await turn
    }
  }
}
export type RateLimiter = ReturnType<typeof createRateLimiter>
