// The authenticator: a bearer token (or API Gateway's authorizer claims) becomes a Principal, or a 401/503 error.
import type { Principal } from '../domain/principal.js'
import type { Config } from '../config.js'
import { createKeyStore, SigningKeyError, type SigningKey } from './jwks.js'
import { createTokenCache } from './token-cache.js'
import { ClaimsError, principalFromApiGatewayClaims, principalFromClaims, type ClaimRules } from './claims.js'
import { checkLifetime, createSignatureVerifier, decodeToken, signingKeyId, TokenRejectedError } from './verify-token.js'
import { InvalidTokenError, SigningKeysUnavailableError, TooManyFailedAuthenticationsError } from './errors.js'
import { createFailureLimiter } from './failure-limiter.js'

/** Tokens longer than this are refused before any parsing (Cognito tokens are 1-4 KB). */
const MAX_TOKEN_LENGTH = 8192
/** Signature checks allowed to wait on the threadpool at once (src/auth/verify-token.ts). */
const MAX_PENDING_SIGNATURE_CHECKS = 256

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

/** AUTH_MODE=jwt: verifies Cognito tokens against the configured issuers' keys, never against anything a token names. */
export interface TokenAuthenticatorOptions {
  onFetchError?: (err: unknown, issuer: string) => void
  /** The clock of token lifetimes, the token cache, JWKS pacing and the failure window (ms); Date.now by default. */
  now?: () => number
}

export function createTokenAuthenticator (config: Config, opts: TokenAuthenticatorOptions = {}) {
  const now = opts.now ?? Date.now
  const rules = claimRulesOf(config)
  const toleranceMs = config.JWT_CLOCK_TOLERANCE_SECONDS * 1000
  const keys = createKeyStore({
    issuers: config.cognitoIssuers,
    timeoutMs: config.JWKS_TIMEOUT_MS,
    refetchIntervalMs: config.JWKS_REFETCH_INTERVAL_SECONDS * 1000,
    onFetchError: opts.onFetchError,
    now
  })
  const cache = createTokenCache<{ principal: Principal, key: SigningKey }>(config.TOKEN_CACHE_SIZE, now)
  const signatures = createSignatureVerifier(MAX_PENDING_SIGNATURE_CHECKS)
  const failures = createFailureLimiter({ max: config.AUTH_FAILURE_LIMIT, windowMs: config.AUTH_FAILURE_WINDOW_SECONDS * 1000, now })

  /** Refuses a client over its failure budget: unknown tokens from it are not decoded, and never reach RSA. */
  function checkClient (client: string | undefined) {
    if (client === undefined) return
    const retryAfter = failures.retryAfter(client)
    if (retryAfter > 0) throw new TooManyFailedAuthenticationsError(retryAfter)
  }

  /** Whether the token is past exp + tolerance now; any other lifetime problem (nbf ahead, exp missing) throws. */
  function isExpired (payload: Record<string, unknown>): boolean {
    try {
      checkLifetime(payload, now(), toleranceMs)
      return false
    } catch (err) {
      if (err instanceof TokenRejectedError && err.reason === 'expired') return true
      throw err
    }
  }

  return {
    /** Synchronous: the principal of exactly this token string when it was verified before (no decoding on a hit). */
    cached (token: string): Principal | undefined {
      const hit = cache.get(token)
      return hit === undefined || !hit.key.active ? undefined : hit.principal
    },

    /**
     * A token the cache does not know. The cheap checks come first (structure, header, issuer, claim rules, nbf), so a
     * token that fails them costs no key lookup, no JWKS refetch and no RSA; the signature is checked last, off the event loop.
     */
    async verify (token: string, log: RejectionLog, client?: string): Promise<Principal> {
      checkClient(client)
      let principal: Principal
      let key: SigningKey
      try {
        if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError('malformed', 'the token is empty or too long')
        const { header, payload, input, signature } = decodeToken(token)
        const kid = signingKeyId(header)
        // The claim rules include iss: from here on it is one of the configured issuers.
        principal = principalFromClaims(payload, rules)
        const iss = payload.iss as string
        // An expired token is told so only once its signature proves it ours: said earlier, the answer would reveal which
        // issuers are configured to anyone who writes one in a token.
        let expired = isExpired(payload)
        key = keys.peek(iss, kid) ?? await keys.get(iss, kid)
        // Again after a possible JWKS wait: failures of the same client's other tokens may have been counted meanwhile.
        checkClient(client)
        if (!await signatures.verify(input, signature, key.key)) throw new TokenRejectedError('signature', 'signature is invalid')
        // The waits above (a JWKS fetch, the threadpool queue) may have carried the token past its expiry, or a refetch
        // may have retired its key meanwhile: both are checked again now.
        expired ||= isExpired(payload)
        if (expired) throw new TokenRejectedError('expired', 'the token has expired')
        if (!key.active) throw new TokenRejectedError('header', 'the signing key was rotated out of the JWKS')
      } catch (err) {
        if (err instanceof SigningKeyError && err.reason === 'unavailable') throw new SigningKeysUnavailableError()
        if (!(err instanceof TokenRejectedError || err instanceof ClaimsError || err instanceof SigningKeyError)) throw err
        if (client !== undefined) failures.fail(client)
        log.info({ reason: err.message }, 'token rejected')
        throw err instanceof TokenRejectedError && err.reason === 'expired' ? new InvalidTokenError('The access token has expired') : new InvalidTokenError()
      }
      cache.set(token, { principal, key }, principal.expiresAt * 1000 + toleranceMs)
      return principal
    },

    /** Resolves once the signing keys can be loaded; rejects otherwise. */
    ready: () => keys.ready(),
    /** JWKS fetches started so far: for tests and the benchmark. */
    fetchCount: () => keys.fetchCount(),
    /** RSA signature checks started so far: for tests and the benchmark. */
    signatureCheckCount: () => signatures.checks
  }
}
