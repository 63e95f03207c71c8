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
}
