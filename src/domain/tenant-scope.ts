// The tenant scope: the only ticket a repository accepts for tenant data. Minted by plugins/tenant from a verified identity.
import type { TenantGroup } from './model.js'

declare const tenantScopeBrand: unique symbol

/** Branded: a plain object or a raw tenant id from a request does not type-check as a TenantScope. */
export interface TenantScope {
  readonly tenantId: string
  readonly [tenantScopeBrand]: true
}

/** What plugins/tenant resolved for the request: the scope plus the caller's membership in it. */
export interface TenantContext {
  scope: TenantScope
  tenantId: string
  groups: TenantGroup[]
  /** The member's email as the membership records it: access tokens carry none, and GET /me shows it. */
  email?: string
  /** Tokens issued (iat) before this epoch second are refused: see Membership.tokensValidAfter. */
  tokensValidAfter?: number
}

/**
 * Mints a scope. Only plugins/tenant (from a verified identity and its membership) and operator paths (platform
 * admins acting on a tenant they address by id, the import script) may call it; test/unit/scope-minting.test.ts
 * fails the build if anything else does.
 */
export function mintTenantScope (tenantId: string): TenantScope {
  return Object.freeze({ tenantId }) as TenantScope
}
