// A client-side sliding-window rate limiter shared fairly between keys (tenants): callers wait for a slot, round-robin across keys, never longer than maxWaitMs.

export interface RateLimiterOptions {
  /** Calls allowed in any window. */
  limit: number
  /** Window length; AWS quotas are per second. */
  windowMs?: number
  /** Longest acceptable wait for a slot; a caller that would wait longer gets RateLimitExceeded (at once when that is already certain). */
  maxWaitMs: number
  now?: () => number
}

/** Thrown when a slot is further away than maxWaitMs. retryAfterSeconds: when one should be free again. */
export class RateLimitExceeded extends Error {
  override name = 'RateLimitExceeded'
  constructor (readonly retryAfterSeconds: number) { super('Client-side rate limit reached') }
}

interface Waiter {
  key: string
  resolve: (startedAt: number) => void
  reject: (err: Error) => void
  deadline?: NodeJS.Timeout
}

/**
 * Why not a fixed-window bucket (bottleneck's reservoir): a fixed window lets 2x the limit through a 1 s span that
 * straddles a refill. This limiter guarantees at most `limit` call starts in ANY window of `windowMs`, measured on the
 * real start times.
 *
 * Why round-robin between keys, not one FIFO: with one FIFO, a key (a tenant) that queues 50 calls makes every other
 * key wait behind all 50, and refuses them once that wait passes maxWaitMs, so one tenant's burst starves the rest.
 * Here each key has its own FIFO and a free slot goes to the next key in turn that has a caller waiting: with k keys
 * waiting, each gets at least every k-th slot, whatever the others queue. A key alone gets the whole rate (no slot is
 * left idle for a share nobody uses), so there is no per-key cap to tune.
 *
 * A caller is refused at once when even the best case (its own key's backlog, plus one turn for each other waiting
 * key per turn of its own) puts its slot beyond maxWaitMs; otherwise it waits, and is refused at maxWaitMs if keys
 * that arrived later took the turns it counted on. A key that floods the limiter thus fills its own queue and gets
 * its own refusals; the others keep their turns.
 */
export function createRateLimiter (opts: RateLimiterOptions) {
  const limit = Math.max(1, Math.floor(opts.limit))
  const windowMs = opts.windowMs ?? 1000
  const now = opts.now ?? Date.now
  /** Real start times within the last window (non-decreasing). */
  const started: number[] = []
  /** The waiting callers of each key; Map order is the round-robin order (a served key moves to the back). */
  const queues = new Map<string, Waiter[]>()
  let timer: NodeJS.Timeout | undefined

  function prune (before: number) {
    while (started.length > 0 && (started[0] as number) <= before) started.shift()
  }

  /** When the count-th call from now could start if it got every slot. */
  function earliest (t: number, count: number): number {
    const times = started.slice()
    let slot = t
    for (let i = 0; i < count; i++) {
      slot = times.length >= limit ? Math.max(t, (times[times.length - limit] as number) + windowMs) : t
      times.push(slot)
    }
    return slot
  }

  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

  /** Starts waiters while the window has room, one per key in turn; otherwise wakes up when the oldest start leaves it. */
  function dispatch () {
    if (timer) { clearTimeout(timer); timer = undefined }
    for (;;) {
      const next = queues.entries().next()
      if (next.done === true) return
      const t = now()
      prune(t - windowMs)
      if (started.length >= limit) {
        timer = setTimeout(dispatch, Math.max(1, (started[0] as number) + windowMs - t))
        return
      }
      const [key, queue] = next.value
      const waiter = queue.shift() as Waiter
      queues.delete(key)
      if (queue.length > 0) queues.set(key, queue)
      clearTimeout(waiter.deadline)
      started.push(t)
      waiter.resolve(t)
    }
  }

  function expire (waiter: Waiter) {
    const queue = queues.get(waiter.key)
    const at = queue?.indexOf(waiter) ?? -1
    if (!queue || at < 0) return
    queue.splice(at, 1)
    if (queue.length === 0) queues.delete(waiter.key)
    // Until the key's remaining backlog could clear while sharing turns with the keys waiting now.
    const t = now()
    prune(t - windowMs)
    waiter.reject(new RateLimitExceeded(seconds(earliest(t, (queue.length + 1) * Math.max(1, queues.size)) - t)))
  }

  return {
    /**
     * Resolves, with the recorded start time, when the caller may start; rejects with RateLimitExceeded instead of
     * waiting longer than maxWaitMs. `key` is whose turn this is (a tenant id; '' for calls on no tenant's behalf).
     */
    async acquire (key = ''): Promise<number> {
      const t = now()
      prune(t - windowMs)
      const own = queues.get(key)?.length ?? 0
      let ahead = own + 1
      for (const [k, queue] of queues) if (k !== key) ahead += Math.min(queue.length, own)
      const wait = earliest(t, ahead) - t
      if (wait > opts.maxWaitMs) throw new RateLimitExceeded(seconds(wait))
      return await new Promise<number>((resolve, reject) => {
        const waiter: Waiter = { key, resolve, reject }
        const queue = queues.get(key)
        if (queue) queue.push(waiter)
        else queues.set(key, [waiter])
        waiter.deadline = setTimeout(() => expire(waiter), opts.maxWaitMs)
        dispatch()
      })
    },

    /** Callers waiting, per key (tests, diagnostics). */
    waiting (key = ''): number {
      return queues.get(key)?.length ?? 0
    }
  }
}
export type RateLimiter = ReturnType<typeof createRateLimiter>
