// The deploy step's re-apply (#28, docs/decisions/0022): puts every SSO connection's provider back on the app client
// after CloudFormation has written the client's own list (COGNITO only) over the one the API keeps at run time.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { mintTenantScope } from '../../domain/tenant-scope.js'
import { ssoRepository } from '../../repositories/sso.js'
import { tenantWrites } from '../../repositories/tenants.js'
import type { identityProviderOperations } from '../../cognito/identity-providers.js'
import { clientProviders } from './client-providers.js'

export interface ReapplyDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  /** The pool's identity-provider and app-client operations (src/cognito/identity-providers.ts). */
  cognito: Pick<ReturnType<typeof identityProviderOperations>, 'describeProvider' | 'changeClientProviders'>
  clientId: string
  /** Longest wait for the client's lease; a deploy can wait longer than an HTTP request (default 60 s). */
  maxWaitMs?: number
}

export interface ReapplyResult {
  /** The client's list after the re-apply. */
  providers: string[]
  /** Providers the table names that were missing from the client and are now on it. */
  added: string[]
  /** Connections whose Cognito provider does not exist (a connection being created or deleted right now): left off. */
  skipped: string[]
}

/**
 * Reads every tenant's connections as the API does (the SSO# items under each tenant, tenants listed through
 * GSI1PK=TENANTS), keeps those whose provider exists in the pool, and adds the missing ones to the client with the
 * API's own read-then-write under the client's lease. Never removes a provider: removal is the API's (DELETE), and the
 * re-apply only undoes what a deploy wiped. Idempotent: a second run finds nothing missing and writes nothing.
 */
export async function reapplyClientProviders (deps: ReapplyDeps): Promise<ReapplyResult> {
  const repo = ssoRepository(deps.dynamo)
  const tenants = tenantWrites(deps.dynamo)
  const named = new Set<string>()
  let cursor: string | undefined
  do {
    const page = await tenants.list({ limit: 100, cursor })
    for (const tenant of page.items) {
      for (const c of await repo.list(mintTenantScope(tenant.tenantId))) named.add(c.providerName)
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)

  const skipped: string[] = []
  let before: string[] = []
  const list = clientProviders({
    repo,
    clientId: deps.clientId,
    maxWaitMs: deps.maxWaitMs ?? 60_000,
    // Up to 300 providers described at Cognito's 15 requests/s while holding it; the API waits 10 s, then answers 503.
    leaseMs: 120_000,
    // Under the lease: which providers exist is checked here, so a connection the API took off the client meanwhile
    // (DELETE holds the same lease for that) and whose provider it then deleted is not put back.
    change: async (id, change) => {
      for (const name of [...named].sort()) {
        if ((await deps.cognito.describeProvider(name)) === null) skipped.push(name)
      }
      // The API's read-then-write; `before` is the list Cognito had. A missing provider is not added (Cognito would
      // refuse the whole update), and one the list already has is not the re-apply's to remove.
      return await deps.cognito.changeClientProviders(id, providers => {
        before = providers
        return change(providers).filter(p => !skipped.includes(p) || providers.includes(p))
      })
    }
  })
  const providers = await list.addAll([...named].sort())
  return { providers, added: providers.filter(p => !before.includes(p)), skipped }
}
