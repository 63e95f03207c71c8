// AUTH_MODE=jwt: the token verifier (JWKS, signature checks, caches). A module of its own, imported by plugins/auth.ts
// only in that mode: the Lambda (AUTH_MODE=apigateway) never runs it, and its split build (infra/lib/bundling.ts) keeps
// it and fast-jwt, asn1.js and bn.js in a chunk that a cold start does not read.
import type { Principal } from '../domain/principal.js'
import type { Config } from '../config.js'
import { createKeyStore, SigningKeyError, type SigningKey } from './jwks.js'
import { createTokenCache } from './token-cache.js'
import { ClaimsError, principalFromClaims } from './claims.js'
import { checkLifetime, createSignatureVerifier, decodeToken, signingKeyId, TokenRejectedError } from './verify-token.js'
import { InvalidTokenError, SigningKeysUnavailableError, TooManyFailedAuthenticationsError } from './errors.js'
import { createFailureLimiter } from './failure-limiter.js'
import { claimRulesOf, type RejectionLog } from './authenticator.js'

/** Tokens longer than this are refused before any parsing (Cognito tokens are 1-4 KB). */
const MAX_TOKEN_LENGTH = 8192
/** Signature checks allowed to wait on the threadpool at once (src/auth/verify-token.ts). */
const MAX_PENDING_SIGNATURE_CHECKS = 256
/** Genuine but refused tokens remembered (each ~1 KB), and for how long: an expired token stays expired. */
const REFUSED_CACHE_SIZE = 1000
const REFUSED_TTL_MS = 10 * 60_000

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
  // Genuine tokens we refuse (expired, ID tokens, other clients, retired keys): the exact token string and its answer,
  // so a laptop that keeps resending its expired token costs one RSA check, not one per request.
  const refused = createTokenCache<string>(REFUSED_CACHE_SIZE, now)

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

  /** A forgery (its signature does not verify with our key): counted against the client; 429 once it is over. */
  function forged (client: string | undefined, log: RejectionLog, reason: string): Error {
    log.info({ reason }, 'token rejected')
    if (client === undefined) return new InvalidTokenError()
    const retryAfter = failures.retryAfter(client)
    failures.fail(client)
    return retryAfter > 0 ? new TooManyFailedAuthenticationsError(retryAfter) : new InvalidTokenError()
  }

  return {
    /** Synchronous: the principal of exactly this token string when it was verified before (no decoding on a hit). */
    cached (token: string): Principal | undefined {
      const hit = cache.get(token)
      return hit === undefined || !hit.key.active ? undefined : hit.principal
    },

    /**
     * A token the cache does not know. Only a token whose signature fails (a forgery) counts as a failed
     * authentication of `client`: a token whose signature verifies is never refused for what else its address sent.
     * Tokens our claim rules refuse (ID tokens, other app clients, foreign issuers, malformed) answer 401 before any key
     * lookup or RSA, so they cost nothing and count for nothing. A genuine expired token (or one of a retired key)
     * answers 401 and is remembered, uncounted. Over the limit a forgery still costs one RSA check (bounded by the
     * threadpool queue: only RSA can tell it from a valid token) and gets 429.
     */
    async verify (token: string, log: RejectionLog, client?: string): Promise<Principal> {
      const known = refused.get(token)
      if (known !== undefined) throw new InvalidTokenError(known)
      let principal: Principal
      let payload: Record<string, unknown>
      let key: SigningKey
      try {
        if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError('malformed', 'the token is empty or too long')
        const decoded = decodeToken(token)
        payload = decoded.payload
        const kid = signingKeyId(decoded.header)
        // The claim rules include iss: from here on it is one of the configured issuers, never one a token names. A
        // token these refuse is refused whoever signed it, before any key lookup or RSA, so it needs no counting.
        principal = principalFromClaims(payload, rules)
        // Throws on nbf ahead; an expired token is told so only once its signature proves it ours: said earlier, the
        // answer would reveal which issuers are configured to anyone who writes one in a token.
        isExpired(payload)
        key = keys.peek(payload.iss as string, kid) ?? await keys.get(payload.iss as string, kid)
        if (!await signatures.verify(decoded.input, decoded.signature, key.key)) throw forged(client, log, 'signature is invalid')
      } catch (err) {
        if (err instanceof SigningKeyError && err.reason === 'unavailable') throw new SigningKeysUnavailableError()
        if (err instanceof InvalidTokenError || err instanceof TooManyFailedAuthenticationsError) throw err
        if (!(err instanceof TokenRejectedError || err instanceof ClaimsError || err instanceof SigningKeyError)) throw err
        // Malformed, refused by the claim rules, or an unknown kid (JWKS refetches are paced by the key store): no RSA spent.
        log.info({ reason: err.message }, 'token rejected')
        throw new InvalidTokenError()
      }
      // The signature is ours: from here a refusal is of a genuine token, answered 401 and never counted. Checked after
      // the waits above (a JWKS fetch, the threadpool queue), which may have carried the token past its expiry or
      // retired its key meanwhile.
      const refusal = isExpired(payload) ? 'The access token has expired' : key.active ? undefined : 'The access token is invalid'
      if (refusal !== undefined) {
        log.info({ reason: refusal }, 'genuine token refused')
        refused.set(token, refusal, now() + REFUSED_TTL_MS)
        throw new InvalidTokenError(refusal)
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
