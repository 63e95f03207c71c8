// The verified caller, as every route sees it. Built only by plugins/auth from a verified token or API Gateway claims.
import type { Group } from './model.js'

export interface Principal {
  userId: string
  username: string
  clientId: string
  tokenUse: 'access' | 'id'
  groups: string[]
  scopes: string[]
  tenantId?: string
  email?: string
  issuedAt: number
  expiresAt: number
}

/**
 * A route's access policy, declared in route config. 'public' opts out of authentication explicitly; otherwise the caller
 * must be authenticated, belong to one of `groups` (any authenticated caller when omitted) and, unless `tenant` says
 * otherwise, have a resolved, active tenant.
 */
export type AuthPolicy = 'public' | {
  groups?: readonly Group[]
  /** required (default): a resolved tenant; optional: resolve when the caller has one; none: platform routes. */
  tenant?: 'required' | 'optional' | 'none'
}
