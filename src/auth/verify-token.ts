// Verifying a Cognito JWT: fast-jwt's decoder parses it, node:crypto checks the RS256 signature on libuv's threadpool,
// and the claim rules (claims.ts) decide. plugins/auth.ts puts the steps in order and maps rejections to responses.
import { createDecoder } from 'fast-jwt'
import { verify as cryptoVerify, type KeyObject } from 'node:crypto'

export type TokenRejection = 'malformed' | 'header' | 'expired' | 'not-yet-valid' | 'signature'

/** The token is not acceptable. The message is for the log only; responses stay coarse. */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError'
  constructor (readonly reason: TokenRejection, message: string) { super(message) }
}

export interface DecodedToken {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** `<header>.<payload>` as sent: the signed input. */
  input: string
  /** The signature segment, base64url. */
  signature: string
}

// fast-jwt's decoder: exactly three segments, each strictly base64url (no padding, whitespace or dots), and a header
// and payload that are JSON objects (an array or a string is malformed).
const decodeComplete = createDecoder({ complete: true }) as (token: string) => DecodedToken

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Whether a base64url segment (alphabet already checked by the decoder) is the one canonical encoding of its bytes.
 * Node's decoder ignores the bits of the last character that fall beyond the last byte, so without this check 4 or 16
 * strings decode to the same signature: each would verify, and each would fill its own token-cache entry. RFC 4648 §3.5
 * lets a decoder refuse non-zero pad bits; we do. A length of 1 mod 4 encodes no whole byte at all.
 */
export function isCanonicalBase64url (segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = B64URL.indexOf(segment[segment.length - 1] as string)
  // 2 chars carry 1 byte (4 bits to spare), 3 chars carry 2 bytes (2 bits to spare).
  return last >= 0 && (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

export function decodeToken (token: string): DecodedToken {
  let decoded: DecodedToken
  try {
    decoded = decodeComplete(token)
  } catch (err) {
    throw new TokenRejectedError('malformed', (err as Error).message)
  }
  const dot = decoded.input.indexOf('.')
  if (!isCanonicalBase64url(decoded.input.slice(0, dot)) || !isCanonicalBase64url(decoded.input.slice(dot + 1)) || !isCanonicalBase64url(decoded.signature)) {
    throw new TokenRejectedError('malformed', 'a segment is not canonical base64url')
  }
  return decoded
}

/**
 * The kid of a header we accept: RS256 only (never none, HS* or anything a key could be confused with), and no `crit`
 * extension, since we understand none (RFC 7515 §4.1.11). jku, x5u and jwk are never read: keys come from our store.
 */
export function signingKeyId (header: Record<string, unknown>): string {
  if (header.alg !== 'RS256') throw new TokenRejectedError('header', 'alg is not RS256')
  if (header.crit !== undefined) throw new TokenRejectedError('header', 'crit extensions are not supported')
  const kid = header.kid
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw new TokenRejectedError('header', 'kid is missing')
  return kid
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** exp (required) and nbf (when present), each with the clock tolerance: valid while nbf - tolerance <= now <= exp + tolerance. */
export function checkLifetime (payload: Record<string, unknown>, nowMs: number, toleranceMs: number): void {
  const { exp, nbf } = payload
  if (!isTime(exp)) throw new TokenRejectedError('malformed', 'exp is missing')
  if (nowMs > exp * 1000 + toleranceMs) throw new TokenRejectedError('expired', 'the token has expired')
  if (nbf === undefined) return
  if (!isTime(nbf)) throw new TokenRejectedError('malformed', 'nbf is not a number')
  if (nowMs < nbf * 1000 - toleranceMs) throw new TokenRejectedError('not-yet-valid', 'the token is not valid yet (nbf)')
}

/**
 * RS256 signature checks that run on libuv's threadpool (crypto.verify with a callback), so the event loop keeps serving
 * other requests during each ~20 µs RSA-2048 verification and a second core can do the RSA work. The threadpool is
 * shared (fs, dns.lookup) and sized by UV_THREADPOOL_SIZE (README). At most `maxPending` checks wait there at once;
 * beyond that a check runs on the event loop itself, which slows intake the way a synchronous verifier always did
 * instead of queueing without bound.
 */
export function createSignatureVerifier (maxPending: number) {
  let pending = 0
  let checks = 0
  const verifier = {
    /** Resolves true only for a valid PKCS#1 v1.5 SHA-256 signature of `input` by `key`; never rejects (an error is false). */
    verify (input: string, signature: string, key: KeyObject): Promise<boolean> {
      // input is base64url and dots only (the decoder checked), so latin1 encodes it byte for byte.
      const data = Buffer.from(input, 'latin1')
      const sig = Buffer.from(signature, 'base64url')
      if (sig.length === 0) return Promise.resolve(false)
      checks++
      if (pending >= maxPending) {
        try {
          return Promise.resolve(cryptoVerify('RSA-SHA256', data, key, sig))
        } catch {
          return Promise.resolve(false)
        }
      }
      pending++
      return new Promise(resolve => {
        try {
          cryptoVerify('RSA-SHA256', data, key, sig, (err, ok) => {
            pending--
            resolve(err === null && ok)
          })
        } catch {
          pending--
          resolve(false)
        }
      })
    },
    /** Checks waiting on the threadpool now (tests). */
    get pending () { return pending },
    /** RSA checks started so far (tests and the benchmark). */
    get checks () { return checks }
  }
  return verifier
}
