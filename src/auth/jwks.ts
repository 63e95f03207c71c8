// Signing keys per configured issuer: fetched from <issuer>/.well-known/jwks.json with a hard timeout, imported once per kid, refetched for unknown kids at most once per interval.
import { createPublicKey, type KeyObject } from 'node:crypto'

/**
 * Why not get-jwks for fetching: it calls the global fetch with a fixed `fetchOptions` object, so its `timeout` option
 * is ignored by Node's native fetch and no per-call AbortSignal or custom fetch can be passed; it caches per kid and
 * refetches the whole JWKS on every unknown kid (1000 random kids = 1000 requests); and getPublicKey converts
 * JWK→PEM on every call, where this store imports each key once. It keeps what we need and nothing the token
 * controls: the URL comes from config.
 */

export interface SigningKey {
  readonly issuer: string
  readonly kid: string
  /** The RSA public key, imported once per kid (an unchanged kid keeps its object across refetches). */
  readonly key: KeyObject
  /** false once a successful refetch no longer lists this kid (rotation or revocation). */
  active: boolean
}

export type SigningKeyFailure = 'unknown-issuer' | 'unknown-kid' | 'unavailable'

export class SigningKeyError extends Error {
  override name = 'SigningKeyError'
  constructor (readonly reason: SigningKeyFailure, message: string) { super(message) }
}

export interface KeyStoreOptions {
  issuers: readonly string[]
  /** One fetch, headers and body included, must finish within this. */
  timeoutMs: number
  /** An unknown kid triggers at most one refetch per interval and issuer. */
  refetchIntervalMs: number
  /** While an issuer has never loaded, a failed fetch may be retried after this (default 1 s). */
  coldRetryMs?: number
  fetch?: typeof fetch
  now?: () => number
  onFetchError?: (err: unknown, issuer: string) => void
}

interface IssuerState {
  issuer: string
  jwksUri: string
  /** null until the first successful fetch. */
  keys: Map<string, SigningKey> | null
  inflight: Promise<void> | null
  /** Any fetch: paces retries while the issuer is cold. */
  lastAttemptAt: number
  /** Fetches made once keys were loaded (unknown kids): paced by refetchIntervalMs. */
  lastRefetchAt: number
  fetches: number
}

const MAX_JWKS_BYTES = 256 * 1024
const MAX_KEYS = 50
const MIN_MODULUS_BITS = 2048

export const jwksUriOf = (issuer: string) => `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`

export function createKeyStore (opts: KeyStoreOptions) {
  const fetchImpl = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  const coldRetryMs = opts.coldRetryMs ?? 1000
  const states = new Map<string, IssuerState>(opts.issuers.map(issuer => [issuer, {
    issuer, jwksUri: jwksUriOf(issuer), keys: null, inflight: null, lastAttemptAt: -Infinity, lastRefetchAt: -Infinity, fetches: 0
  }]))

  async function fetchJwks (uri: string): Promise<unknown> {
    // Our own timer rather than AbortSignal.timeout: it is cleared deterministically and covers the body as well as the headers.
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error(`JWKS fetch timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs)
    try {
      const res = await fetchImpl(uri, { signal: controller.signal, redirect: 'error', headers: { accept: 'application/json' } })
      if (!res.ok) {
        await res.body?.cancel().catch(() => {})
        throw new Error(`JWKS ${uri} answered ${res.status}`)
      }
      if (!res.body) throw new Error(`JWKS ${uri} sent no body`)
      const chunks: Uint8Array[] = []
      let size = 0
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength
        if (size > MAX_JWKS_BYTES) throw new Error(`JWKS ${uri} is larger than ${MAX_JWKS_BYTES} bytes`)
        chunks.push(chunk)
      }
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch (err) {
      if (controller.signal.aborted) throw controller.signal.reason
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Imports the RS256 signing keys of a JWKS; keeps the same object for an unchanged kid. */
  function importKeys (state: IssuerState, body: unknown): Map<string, SigningKey> {
    const jwks = (body as { keys?: unknown })?.keys
    if (!Array.isArray(jwks)) throw new Error(`JWKS of ${state.issuer} has no keys array`)
    const next = new Map<string, SigningKey>()
    for (const jwk of jwks.slice(0, MAX_KEYS) as Array<Record<string, unknown>>) {
      if (jwk === null || typeof jwk !== 'object') continue
      const { kty, kid, alg, use, n, e } = jwk
      if (kty !== 'RSA' || typeof kid !== 'string' || kid.length === 0 || kid.length > 256) continue
      if ((alg !== undefined && alg !== 'RS256') || (use !== undefined && use !== 'sig')) continue
      if (typeof n !== 'string' || typeof e !== 'string') continue
      try {
        const key = createPublicKey({ key: { kty, n, e }, format: 'jwk' })
        if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) continue
        const old = state.keys?.get(kid)
        next.set(kid, old && old.key.equals(key) ? old : { issuer: state.issuer, kid, key, active: true })
      } catch { /* an unusable key is skipped, the others still count */ }
    }
    if (next.size === 0) throw new Error(`JWKS of ${state.issuer} has no usable RS256 key`)
    for (const [kid, old] of state.keys ?? []) if (next.get(kid) !== old) old.active = false
    return next
  }

  /** Starts (or joins) the one fetch of an issuer's JWKS. Concurrent callers share it. */
  function load (state: IssuerState): Promise<void> {
    if (state.inflight) return state.inflight
    state.lastAttemptAt = now()
    if (state.keys) state.lastRefetchAt = state.lastAttemptAt
    state.fetches++
    state.inflight = fetchJwks(state.jwksUri)
      .then(body => { state.keys = importKeys(state, body) })
      .catch(err => { opts.onFetchError?.(err, state.issuer); throw err })
      .finally(() => { state.inflight = null })
    return state.inflight
  }

  function mayFetch (state: IssuerState) {
    // The first load does not count against the interval: a kid rotated in just after it is fetched at once.
    return state.keys ? now() - state.lastRefetchAt >= opts.refetchIntervalMs : now() - state.lastAttemptAt >= coldRetryMs
  }

  function failure (state: IssuerState, kid: string): SigningKeyError {
    // Fail closed either way: no key ever loaded is our outage (503), a kid we do not have is the token's problem (401).
    return state.keys
      ? new SigningKeyError('unknown-kid', `kid ${JSON.stringify(kid.slice(0, 64))} is not in the JWKS of ${state.issuer}`)
      : new SigningKeyError('unavailable', `signing keys of ${state.issuer} could not be loaded`)
  }

  return {
    /** The key if it is already loaded: the synchronous fast path. */
    peek (issuer: string, kid: string): SigningKey | undefined {
      return states.get(issuer)?.keys?.get(kid)
    },

    /** The key, loading or refetching (rate-limited, shared) when it is not known yet. */
    async get (issuer: string, kid: string): Promise<SigningKey> {
      const state = states.get(issuer)
      if (!state) throw new SigningKeyError('unknown-issuer', 'issuer is not configured')
      let key = state.keys?.get(kid)
      if (key) return key
      if (state.inflight || mayFetch(state)) {
        await load(state).catch(() => {})
        key = state.keys?.get(kid)
        if (key) return key
      }
      throw failure(state, kid)
    },

    /** Resolves when every issuer has keys (loading those that have none); rejects with the first failure. */
    async ready (): Promise<void> {
      await Promise.all([...states.values()].map(async state => {
        if (state.keys) return
        if (state.inflight || mayFetch(state)) await load(state)
        if (!state.keys) throw failure(state, '')
      }))
    },

    /** JWKS fetches started per issuer, for logs, tests and the benchmark. */
    fetchCount (issuer?: string): number {
      if (issuer !== undefined) return states.get(issuer)?.fetches ?? 0
      let total = 0
      for (const s of states.values()) total += s.fetches
      return total
    }
  }
}
export type KeyStore = ReturnType<typeof createKeyStore>
