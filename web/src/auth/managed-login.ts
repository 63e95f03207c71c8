// Cognito managed login (the hosted UI): authorization code grant with PKCE (S256). Plain functions that build the
// URLs, so they are unit-tested without a browser (test/unit/web-auth.test.ts). The page only navigates there: the
// code is exchanged by the API (web/src/auth/bff.ts), so no token endpoint answer ever reaches page scripts.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html

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

/** The managed login's origin: https://<domain>, or the local managed login's http://127.0.0.1:<port> as configured. */
export function loginOrigin (domain: string): string {
  return domain.startsWith('http://') ? domain : `https://${domain}`
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
  return `${loginOrigin(domain)}/oauth2/authorize?${q.toString()}`
}

export function logoutUrl (p: { domain: string, clientId: string, logoutUri: string }): string {
  return `${loginOrigin(p.domain)}/logout?${new URLSearchParams({ client_id: p.clientId, logout_uri: p.logoutUri }).toString()}`
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
