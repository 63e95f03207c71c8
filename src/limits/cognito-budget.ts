// One Cognito quota category's per-second budget shared by every instance, with a share per tenant and a reserve for
// tenants that have not called yet in the second: a quiet tenant's call is served while another floods.
import { RateLimitExceeded } from '../cognito/pacing.js'
import type { LimitStore, ShareRule } from './store.js'

/**
 * A tenant may take half of each second's budget; the last fifth (at least one call) is kept for tenants with no call
 * in that second yet. With 25/s: 12 per tenant, calls 21-25 only for newcomers. With 2/s: one each.
 */
export function shareRuleOf (perSecond: number): ShareRule {
  const max = Math.max(1, Math.floor(perSecond))
  return { max, share: Math.max(1, Math.floor(max / 2)), open: max - Math.max(1, Math.floor(max / 5)) }
}

export interface CognitoBudgetOptions {
  store: LimitStore
  /** The quota category, lower-case (the limit's name is cognito-<category>). */
  category: string
  perSecond: number
  now?: () => number
  /** How long after a failed store call the budget is left to this instance's own pacing. */
  degradedMs?: number
  onStoreError?: (err: unknown) => void
}

const SECOND = 1000
/** Spread between waiters that wake for the next second, so instances do not all write at its first millisecond. */
const JITTER_MS = 50

/**
 * Fixed one-second windows (a call at the end of one second and the next may both pass, as the issue allows). One
 * conditional write per call that goes out. A refusal is remembered until the second ends (this instance sends no
 * more writes that would be refused), and one write per tenant is in flight at a time.
 *
 * Fail-open to local pacing: when the store fails or does not answer within its timeout, calls go out paced by this
 * instance's own limiter only (src/cognito/pacing.ts, at the same per-second rate) for degradedMs. Refusing every user
 * change because the counter is unreachable would be an outage of its own; Cognito's own throttling, the SDK's
 * backoff and the 503 + Retry-After behind it still bound the damage.
 */
export function createCognitoBudget (opts: CognitoBudgetOptions) {
  const now = opts.now ?? Date.now
  const rule = shareRuleOf(opts.perSecond)
  const limit = `cognito-${opts.category.toLowerCase()}`
  const degradedMs = opts.degradedMs ?? SECOND
  let fullUntil = 0
  let degradedUntil = 0
  const tenantFullUntil = new Map<string, number>()
  const inflight = new Map<string, Promise<void>>()

  async function sleep (ms: number) { await new Promise(resolve => setTimeout(resolve, ms)) }

  /** One try at the shared counter for `tenant` in the current second: granted, refused (recorded) or store down. */
  async function attempt (tenant: string): Promise<'granted' | 'refused' | 'degraded'> {
    const t = now()
    const second = t - (t % SECOND)
    let refusal
    try {
      refusal = await opts.store.takeShare(limit, second, SECOND, tenant, rule)
    } catch (err) {
      if (now() >= degradedUntil) opts.onStoreError?.(err)
      degradedUntil = now() + degradedMs
      return 'degraded'
    }
    if (refusal === undefined) return 'granted'
    if (refusal === 'full') fullUntil = second + SECOND
    else {
      if (tenantFullUntil.size > 1000) for (const [k, v] of tenantFullUntil) if (v <= t) tenantFullUntil.delete(k)
      tenantFullUntil.set(tenant, second + SECOND)
    }
    return 'refused'
  }

  return {
    /**
     * Resolves when a call for `tenant` may go out; rejects with RateLimitExceeded when that is later than `deadline`
     * (epoch ms). '' is calls on no tenant's behalf (operators), with a share of their own.
     */
    async acquire (tenant: string, deadline: number): Promise<void> {
      for (;;) {
        const t = now()
        const blockedUntil = Math.max(fullUntil, tenantFullUntil.get(tenant) ?? 0)
        if (blockedUntil > t) {
          const wake = blockedUntil + Math.floor(Math.random() * JITTER_MS)
          if (wake > deadline) throw new RateLimitExceeded(Math.max(1, Math.ceil((wake - t) / SECOND)))
          await sleep(wake - t)
          continue
        }
        if (t < degradedUntil) return
        // One write per tenant in flight from this instance: the others wait for its outcome, then try their own.
        const pending = inflight.get(tenant)
        if (pending !== undefined) { await pending; continue }
        const mine = attempt(tenant)
        const settled = mine.then(() => { if (inflight.get(tenant) === settled) inflight.delete(tenant) })
        inflight.set(tenant, settled)
        const outcome = await mine
        if (outcome !== 'refused') return
      }
    },
    rule
  }
}
export type CognitoBudget = ReturnType<typeof createCognitoBudget>
