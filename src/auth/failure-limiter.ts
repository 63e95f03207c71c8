// Failed authentications per client address: after too many in a window, that address's unknown tokens are refused
// before they are decoded, so forged tokens cannot buy RSA checks without limit.
import { LRUCache } from 'lru-cache'
import { isIPv6 } from 'node:net'

export interface FailureLimiterOptions {
  /** Failures allowed per client in one window; the next uncached token of that client gets 429. */
  max: number
  windowMs: number
  /** Clients tracked at once (least recently failing dropped first): memory stays bounded whatever the traffic. */
  maxClients?: number
  now?: () => number
}

interface Window { failures: number, resetAt: number }

/**
 * The client an address counts as. An IPv6 host usually holds a whole /64, so one attacker could rotate through 2^64
 * addresses: IPv6 addresses count per /64. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as its IPv4 address.
 */
export function clientKeyOf (ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7)
  if (!isIPv6(ip)) return ip
  const [head = '', tail = ''] = ip.split('%')[0]!.split('::') as [string?, string?]
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`
}

export function createFailureLimiter (opts: FailureLimiterOptions) {
  const now = opts.now ?? Date.now
  const windows = new LRUCache<string, Window>({ max: opts.maxClients ?? 10_000 })
  return {
    /** Seconds until the client may try again when it is over the limit now; 0 when it may try. Never refreshes LRU order. */
    retryAfter (ip: string): number {
      const w = windows.peek(clientKeyOf(ip))
      if (w === undefined || w.failures < opts.max) return 0
      const left = w.resetAt - now()
      return left > 0 ? Math.ceil(left / 1000) : 0
    },
    /** Counts one failed authentication of the client. */
    fail (ip: string): void {
      const key = clientKeyOf(ip)
      const t = now()
      const w = windows.get(key)
      if (w === undefined || w.resetAt <= t) windows.set(key, { failures: 1, resetAt: t + opts.windowMs })
      else w.failures++
    },
    get size () { return windows.size }
  }
}
export type FailureLimiter = ReturnType<typeof createFailureLimiter>
