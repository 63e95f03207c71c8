// Cognito managed login (the hosted UI): authorization code grant with PKCE (S256). Plain functions that build the
// URLs and requests, so they are unit-tested without a browser (test/unit/web-auth.test.ts).
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
import { tokensFrom, type Tokens } from './tokens.js'

export const SCOPES = 'openid email'

function base64url (bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A random URL-safe string: 32 bytes give a 43-character PKCE verifier (RFC 7636 allows 43–128). */
export function randomUrlSafe (bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** The S256 code challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))), RFC 7636 section 4.2. */
export async function codeChallenge (verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
}

export interface AuthorizeParams {
  domain: string
  clientId: string
  redirectUri: string
  state: string
  challenge: string
  /** A tenant's SSO connection (GET /sso/discover's providerName): Cognito goes straight to that IdP's sign-in page. */
  identityProvider?: string
}

export function authorizeUrl ({ domain, clientId, redirectUri, state, challenge, identityProvider }: AuthorizeParams): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: SCOPES,
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge
  })
  if (identityProvider !== undefined) q.set('identity_provider', identityProvider)
  return `https://${domain}/oauth2/authorize?${q.toString()}`
}

export interface TokenRequest { url: string, init: { method: 'POST', headers: Record<string, string>, body: string } }

function tokenRequest (domain: string, form: Record<string, string>): TokenRequest {
  return {
    url: `https://${domain}/oauth2/token`,
    init: { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }
  }
}

/** Exchanges the code for tokens; a public client sends its id and the verifier, never a secret. */
export function codeExchangeRequest (p: { domain: string, clientId: string, code: string, redirectUri: string, verifier: string }): TokenRequest {
  return tokenRequest(p.domain, { grant_type: 'authorization_code', client_id: p.clientId, code: p.code, redirect_uri: p.redirectUri, code_verifier: p.verifier })
}

export function refreshRequest (p: { domain: string, clientId: string, refreshToken: string }): TokenRequest {
  return tokenRequest(p.domain, { grant_type: 'refresh_token', client_id: p.clientId, refresh_token: p.refreshToken })
}

/** Sign-out: the refresh token revoked at the managed login's revocation endpoint (RFC 7009). */
export function revokeRequest (p: { domain: string, clientId: string, refreshToken: string }): TokenRequest {
  const r = tokenRequest(p.domain, { token: p.refreshToken, client_id: p.clientId })
  return { ...r, url: `https://${p.domain}/oauth2/revoke` }
}

export function logoutUrl (p: { domain: string, clientId: string, logoutUri: string }): string {
  return `https://${p.domain}/logout?${new URLSearchParams({ client_id: p.clientId, logout_uri: p.logoutUri }).toString()}`
}

/** The token endpoint's answer as Tokens, or an Error carrying its `error` (e.g. invalid_grant). */
export async function tokensFromResponse (res: { ok: boolean, status: number, json: () => Promise<unknown> }): Promise<Tokens> {
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (!res.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new Error(`Sign-in failed: ${typeof body.error === 'string' ? body.error : `HTTP ${res.status}`}`)
  }
  return tokensFrom(body.access_token, body.id_token, typeof body.refresh_token === 'string' ? body.refresh_token : undefined)
}

/** What survives the redirect to the managed login, in sessionStorage: never a token. */
export interface PendingSignIn { state: string, verifier: string, returnTo: string }

/** The code of a callback URL, if its state matches the pending sign-in; throws on a mismatch or an error answer. */
export function callbackCode (url: URL, pending: PendingSignIn | null): string | null {
  const error = url.searchParams.get('error')
  if (error !== null) throw new Error(`Sign-in failed: ${url.searchParams.get('error_description') ?? error}`)
  const code = url.searchParams.get('code')
  if (code === null) return null
  if (pending === null || url.searchParams.get('state') !== pending.state) throw new Error('Sign-in failed: the answer does not match this browser\'s request (state). Sign in again.')
  return code
}
