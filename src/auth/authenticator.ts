// The authenticator: a bearer token (or API Gateway's authorizer claims) becomes a Principal, or a 401/503 error. The
// AUTH_MODE=jwt verifier is token-authenticator.ts, a module of its own that plugins/auth.ts imports only in that mode.
import type { Principal } from '../domain/principal.js'
import type { Config } from '../config.js'
import { ClaimsError, principalFromApiGatewayClaims, type ClaimRules } from './claims.js'
import { InvalidTokenError } from './errors.js'

/** Where a refusal's reason goes: logged, never returned to the caller. */
export interface RejectionLog { info: (obj: { reason: string }, msg: string) => void }

/** The token of an `Authorization: Bearer <token>` header; undefined when no bearer credentials were sent. */
export function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined || header.length < 7) return undefined
  const scheme = header.slice(0, 7)
  if (scheme !== 'Bearer ' && scheme.toLowerCase() !== 'bearer ') return undefined
  return header.slice(7)
}

export const claimRulesOf = (config: Config): ClaimRules =>
  ({ issuers: config.cognitoIssuers, clientIds: config.cognitoClientIds, acceptIdTokens: config.ACCEPT_ID_TOKENS })

/**
 * AUTH_MODE=apigateway: the HTTP API's JWT authorizer already checked the signature; the claims still pass our rules.
 * Throws InvalidTokenError (reason logged) on claims our rules refuse.
 */
export function principalFromAuthorizer (config: Config, claims: Record<string, unknown>, log: RejectionLog): Principal {
  try {
    return principalFromApiGatewayClaims(claims, claimRulesOf(config), Date.now(), config.JWT_CLOCK_TOLERANCE_SECONDS * 1000)
  } catch (err) {
    if (!(err instanceof ClaimsError)) throw err
    log.info({ reason: err.message }, 'authorizer claims rejected')
    throw new InvalidTokenError()
  }
}
