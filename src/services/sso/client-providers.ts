// Serialized changes to the app client's provider list: a lease item in the table, so two instances never write back the same old list.
//
// UpdateUserPoolClient replaces the whole client (what it leaves out is reset), so adding a provider is
// DescribeUserPoolClient, then UpdateUserPoolClient with the list changed. Two tenants doing that at once, unserialized,
// would each write back the list they read, and one provider would silently drop out. The lease (a conditional put
// that expires, in case its holder dies) makes the read-then-write one at a time across every instance.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ServiceUnavailableError } from '../../domain/errors.js'
import type { SsoRepository } from '../../repositories/sso.js'

export interface ClientProvidersDeps {
  repo: SsoRepository
  clientId: string
  change: (clientId: string, change: (providers: string[]) => string[]) => Promise<string[]>
  /** Longest wait for the lease; default 10 s. */
  maxWaitMs?: number
  /** How long a holder may keep it before another may take it over; default 30 s (a change is two Cognito calls). */
  leaseMs?: number
}

export function clientProviders (deps: ClientProvidersDeps) {
  const maxWaitMs = deps.maxWaitMs ?? 10_000
  const leaseMs = deps.leaseMs ?? 30_000

  async function serialized (change: (providers: string[]) => string[]): Promise<string[]> {
    const owner = randomUUID()
    const deadline = Date.now() + maxWaitMs
    let pause = 25
    while (!await deps.repo.acquireLease(deps.clientId, owner, leaseMs)) {
      if (Date.now() + pause > deadline) throw Object.assign(new ServiceUnavailableError('Another SSO change is under way; retry'), { headers: { 'Retry-After': '2' } })
      await sleep(pause + Math.floor(Math.random() * pause))
      pause = Math.min(pause * 2, 400)
    }
    try {
      return await deps.change(deps.clientId, change)
    } finally {
      await deps.repo.releaseLease(deps.clientId, owner)
    }
  }

  return {
    /** Adds the provider to the client's list (COGNITO stays first, so password sign-in keeps working). */
    add: async (name: string) => await serialized(list => list.includes(name) ? list : [...(list.length === 0 ? ['COGNITO'] : list), name]),
    /** Adds every provider missing from the list, keeping the rest (the deploy step's re-apply; idempotent). */
    addAll: async (names: string[]) => await serialized(list => {
      const missing = names.filter(n => !list.includes(n))
      return missing.length === 0 ? list : [...(list.length === 0 ? ['COGNITO'] : list), ...missing]
    }),
    remove: async (name: string) => await serialized(list => list.filter(p => p !== name))
  }
}
