// SSO enforcement: a tenant requires its verified domains' people to sign in through its identity provider; turning it on signs their password sessions out.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../../domain/tenant-scope.js'
import { ConflictError } from '../../domain/errors.js'
import { domainOf } from '../../domain/domain-name.js'
import { ssoRepository } from '../../repositories/sso.js'
import { membershipWrites } from '../../repositories/memberships.js'
import { auditRepository } from '../../repositories/audit.js'
import { transact } from '../../repositories/transact.js'
import type { UserPoolClient } from '../../cognito/user-pool.js'

/** Sign-outs per change: a request waits for them (paced by the user-update budget), so a larger tenant gets the rest on a repeat. */
export const SIGN_OUT_BATCH = 200

export interface EnforcementDeps {
  dynamo: { doc: DynamoDBDocumentClient, tableName: string }
  cognito: UserPoolClient
  batch?: number
}

export function createSsoEnforcement (deps: EnforcementDeps) {
  const repo = ssoRepository(deps.dynamo)
  // The records (with each member's Cognito username); this module only reads them.
  const memberships = membershipWrites(deps.dynamo)
  const audit = auditRepository(deps.dynamo)
  const batch = deps.batch ?? SIGN_OUT_BATCH

  /**
   * AdminUserGlobalSignOut for the tenant's live members at the enforced domains (their refresh tokens would last 30
   * days): paced through the admin client's user-update budget, this tenant's share; at most `batch` per call.
   */
  async function signOut (scope: TenantScope, domains: Set<string>): Promise<{ signedOut: number, remaining: number }> {
    const cognito = deps.cognito.forTenant(scope.tenantId)
    const targets: string[] = []
    let cursor: string | undefined
    do {
      const page = await memberships.list(scope, { limit: 100, cursor })
      for (const m of page.items) if ((m.status === 'active' || m.status === 'invited') && domains.has(domainOf(m.email))) targets.push(m.cognitoUsername)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    let signedOut = 0
    for (const username of targets.slice(0, batch)) {
      try {
        await cognito.globalSignOut(username)
        signedOut++
      } catch (err) {
        if ((err as Error).name !== 'UserNotFoundException') throw err
      }
    }
    return { signedOut, remaining: Math.max(0, targets.length - batch) }
  }

  return {
    async get (scope: TenantScope) {
      return { required: await repo.enforced(scope) }
    },

    /**
     * Requires SSO (or stops requiring it) for every domain of the tenant's connections, audited. Turning it on signs
     * the people at those domains out of their password sessions; repeating it signs out the next batch.
     */
    async set (scope: TenantScope, required: boolean, actor: string) {
      const connected = (await repo.list(scope)).flatMap(c => c.domains.map(domain => ({ domain, providerName: c.providerName })))
      if (required && connected.length === 0) throw new ConflictError('Connect an identity provider first: enforcement applies to the domains of the tenant\'s SSO connections')
      const was = await repo.enforced(scope)
      const items = repo.enforcementItems(scope, required, connected)
      if (was !== required) items.push(audit.put(scope, { actor, action: 'sso.enforcement_changed', target: scope.tenantId, details: { required, domains: connected.map(d => d.domain) } }))
      await transact(deps.dynamo.doc, items)
      if (!required) return { required, domains: connected.map(d => d.domain), signedOut: 0, remaining: 0 }
      const result = await signOut(scope, new Set(connected.map(d => d.domain)))
      if (result.signedOut > 0) await transact(deps.dynamo.doc, [audit.put(scope, { actor, action: 'sso.signed_out', target: scope.tenantId, details: result })])
      return { required, domains: connected.map(d => d.domain), ...result }
    }
  }
}
export type SsoEnforcement = ReturnType<typeof createSsoEnforcement>
