// Cognito claims → Principal: the token_use, client/audience and subject rules shared by the JWT verifier and API Gateway mode.
import type { Principal } from '../domain/principal.js'

export interface ClaimRules {
  issuers: readonly string[]
  clientIds: readonly string[]
  acceptIdTokens: boolean
}

export class ClaimsError extends Error {
  override name = 'ClaimsError'
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0

function stringArray (v: unknown, claim: string): string[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new ClaimsError(`${claim} is not a list of strings`)
  return v as string[]
}

/**
 * Checks the claims of an already signature-checked token and builds the principal.
 * Cognito access tokens carry no `aud`; their app client is `client_id`. ID tokens carry it in `aud`.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export function principalFromClaims (claims: Record<string, unknown>, rules: ClaimRules): Principal {
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new ClaimsError('payload is not an object')
  const { sub, iss, token_use: tokenUse, iat, exp } = claims
  if (!isNonEmptyString(sub)) throw new ClaimsError('sub is missing')
  if (typeof iss !== 'string' || !rules.issuers.includes(iss)) throw new ClaimsError('issuer is not accepted')
  if (typeof iat !== 'number' || !Number.isFinite(iat) || typeof exp !== 'number' || !Number.isFinite(exp)) throw new ClaimsError('iat or exp is missing')

  let clientId: unknown
  if (tokenUse === 'access') {
    clientId = claims.client_id
  } else if (tokenUse === 'id' && rules.acceptIdTokens) {
    const aud = claims.aud
    clientId = Array.isArray(aud) && aud.length === 1 ? aud[0] : aud
  } else {
    throw new ClaimsError('token_use is not accepted')
  }
  if (typeof clientId !== 'string' || !rules.clientIds.includes(clientId)) throw new ClaimsError('app client is not accepted')

  const scope = claims.scope
  if (scope !== undefined && typeof scope !== 'string') throw new ClaimsError('scope is not a string')
  const username = tokenUse === 'access' ? claims.username : claims['cognito:username']
  const tenantId = claims['custom:tenant_id']
  const email = claims.email

  const principal: Principal = {
    userId: sub,
    username: isNonEmptyString(username) ? username : sub,
    clientId,
    tokenUse,
    groups: Object.freeze(stringArray(claims['cognito:groups'], 'cognito:groups').slice()) as string[],
    scopes: Object.freeze(scope ? scope.split(' ').filter(Boolean) : []) as string[],
    issuedAt: iat,
    expiresAt: exp
  }
  if (isNonEmptyString(tenantId)) principal.tenantId = tenantId
  if (isNonEmptyString(email)) principal.email = email
  // Cached principals are shared between requests: nobody downstream may mutate one.
  return Object.freeze(principal)
}

/**
 * `cognito:groups` as an HTTP API JWT authorizer passes it: one string like `[admins members]`. Cognito group names
 * contain no whitespace, so splitting on it is exact. A real array (REST API, tests) is accepted as is.
 */
export function parseGroupsClaim (v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (Array.isArray(v)) return v as string[]
  if (typeof v !== 'string') throw new ClaimsError('cognito:groups is not a string')
  const inner = v.trim().replace(/^\[/, '').replace(/\]$/, '')
  return inner.split(/\s+/).filter(Boolean)
}

function epochSeconds (v: unknown): unknown {
  if (typeof v === 'string' && /^\d{1,12}$/.test(v)) return Number(v)
  return v
}

/**
 * Claims from an HTTP API JWT authorizer (requestContext.authorizer.jwt.claims): every value arrives as a string.
 * Normalized to the shapes a JWT carries, then checked by the same rules (defense in depth), plus expiry.
 */
export function principalFromApiGatewayClaims (raw: Record<string, unknown>, rules: ClaimRules, nowMs: number, toleranceMs: number): Principal {
  if (raw === null || typeof raw !== 'object') throw new ClaimsError('no claims')
  const claims: Record<string, unknown> = { ...raw, iat: epochSeconds(raw.iat), exp: epochSeconds(raw.exp), 'cognito:groups': parseGroupsClaim(raw['cognito:groups']) }
  const principal = principalFromClaims(claims, rules)
  if (principal.expiresAt * 1000 + toleranceMs < nowMs) throw new ClaimsError('token has expired')
  return principal
}
