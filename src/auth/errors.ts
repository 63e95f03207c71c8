// The authentication and authorization errors, each with its RFC 6750 bearer challenge; src/http/problem.ts sends their headers.
import createError from '@fastify/error'

/** RFC 6750 §3: the realm of every bearer challenge we send. */
const REALM = 'api'
const challenge = (error?: string) => `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}`

const Unauthorized = createError<[string]>('APP_UNAUTHORIZED', '%s', 401)
/** No bearer token in the Authorization header: a challenge without an error code (RFC 6750 §3.1). */
export class AuthenticationRequiredError extends Unauthorized {
  constructor () { super('Authentication required') }
  headers = { 'www-authenticate': challenge() }
}
/** A token was sent and is not acceptable. The detail stays coarse: the reason is logged, never returned. */
export class InvalidTokenError extends Unauthorized {
  constructor (detail = 'The access token is invalid') { super(detail) }
  headers = { 'www-authenticate': challenge('invalid_token') }
}
const Forbidden = createError('APP_FORBIDDEN', 'Not allowed for your role', 403)
export class InsufficientScopeError extends Forbidden {
  headers = { 'www-authenticate': challenge('insufficient_scope') }
}
const Unavailable = createError('APP_SIGNING_KEYS_UNAVAILABLE', 'Signing keys are unavailable; try again shortly', 503)
/** The token's issuer has never had its keys loaded and the JWKS cannot be fetched now: our outage, not the caller's fault. */
export class SigningKeysUnavailableError extends Unavailable {
  headers = { 'retry-after': '5' }
}
const TooManyFailures = createError<[string]>('APP_AUTH_RATE_LIMITED', '%s', 429)
/** Too many failed authentications from the caller's address: its unknown tokens are refused unread until Retry-After. */
export class TooManyFailedAuthenticationsError extends TooManyFailures {
  constructor (retryAfterSeconds: number) {
    super('Too many failed authentications from your address; retry later')
    this.headers = { 'retry-after': String(retryAfterSeconds) }
  }

  headers: Record<string, string>
}
