// A fixed-window request limit shared by every instance: each instance leases slices of a subject's window budget from
// the shared store (one conditional write per slice) and spends them locally, synchronously.
import { LRUCache } from 'lru-cache'
import type { LimitStore } from './store.js'

export interface LeasedLimiterOptions {
  store: LimitStore
  /** The limit's name in its keys (lower-case, e.g. 'tenant-requests'). */
  name: string
  /** Requests per subject per window, all instances together. */
  max: number
  windowMs: number
  /** Subjects with a local slice at once; an evicted subject's unspent slice is lost (the limit only gets stricter). */
  maxSubjects?: number
  /** How long after a failed store call the instance stops asking and keeps its local count only. */
  degradedMs?: number
  now?: () => number
  /** Told once per degraded spell that the store failed and the limit holds per instance only meanwhile. */
  onStoreError?: (err: unknown) => void
}

/**
 * The slice an instance leases: about 1/16 of the window's budget, so that a busy subject costs one write per
 * max/16 requests, while the budget left idle in other instances' slices (at most one slice each) stays a small part
 * of the limit. 40 → 3, the default 1000 → 63, 5 → 1.
 */
export const sliceOf = (max: number) => Math.max(1, Math.ceil(max / 16))

interface Local {
  /** The window this state is about (its start, ms). */
  window: number
  /** Leased and not yet spent. */
  left: number
  /** Requests this instance let through in the window: the cap while the store is unreachable. */
  granted: number
  /** The store said the window is spent: refuse without asking again until the next window. */
  spent: boolean
  pending?: Promise<void>
}

/**
 * Fail-open, with insurance: when the store fails or does not answer within its timeout, the instance keeps counting
 * locally and allows up to `max` per window itself (what one instance allowed before limits were shared), for
 * `degradedMs`, then asks the store again. A DynamoDB outage already fails the data routes; a limit that refused
 * requests because its counter is unreachable would add an outage to one, and the insurance keeps a flood bounded.
 */
export function createLeasedLimiter (opts: LeasedLimiterOptions) {
  const { store, name, max, windowMs } = opts
  const now = opts.now ?? Date.now
  const slice = sliceOf(max)
  const degradedMs = opts.degradedMs ?? 1000
  const locals = new LRUCache<string, Local>({ max: opts.maxSubjects ?? 10_000 })
  let degradedUntil = 0

  async function refill (subject: string, local: Local): Promise<void> {
    const want = Math.min(slice, max - local.granted)
    if (want <= 0) { local.spent = true; return }
    if (now() < degradedUntil) { local.left += want; return }
    try {
      const got = await store.lease(name, subject, local.window, windowMs, want, max)
      if (got === 0) local.spent = true
      local.left += got
    } catch (err) {
      if (now() >= degradedUntil) opts.onStoreError?.(err)
      degradedUntil = now() + degradedMs
      local.left += want
    }
  }

  /** Ms until the subject's window ends: the Retry-After of a refusal. */
  const untilReset = (window: number) => Math.max(1, window + windowMs - now())

  function take (subject: string): number | Promise<number> {
    const t = now()
    const window = t - (t % windowMs)
    let local = locals.get(subject)
    if (local === undefined || local.window !== window) {
      local = { window, left: 0, granted: 0, spent: false }
      locals.set(subject, local)
    }
    if (local.left > 0) {
      local.left--
      local.granted++
      return 0
    }
    if (local.spent) return untilReset(window)
    const current = local
    current.pending ??= refill(subject, current).finally(() => { current.pending = undefined })
    return current.pending.then(() => take(subject))
  }

  return {
    /**
     * Counts one request of `subject`: 0 when it may go on, else the ms until its window ends. Synchronous while this
     * instance holds leased budget (the common case); a promise only when a slice must be leased.
     */
    take,
    slice
  }
}
export type LeasedLimiter = ReturnType<typeof createLeasedLimiter>
