// The local managed login's side facing a tenant's OpenID provider (src/local/managed-login.ts): what Cognito does with
// an OIDC identity provider's details. Its discovery document (from oidc_issuer), the authorization request with our
// own state, nonce and PKCE, the code exchanged at its token endpoint with the client secret the provider holds, the
// ID token verified (its JWKS, iss, aud, nonce, exp), userinfo read (attributes_request_method GET), and the claims
// mapped by the provider's AttributeMapping. Local only: the issuer may be plain http on a laptop.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-flow.html
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto'
import type { StoredProvider } from './identity-providers.js'

const TIMEOUT_MS = 5000
const SKEW_S = 60

/** The IdP refused, or answered something Cognito would not accept: the sign-in fails with this message. */
export class IdpError extends Error {
  override name = 'IdpError'
}

interface Discovery { issuer: string, authorization_endpoint: string, token_endpoint: string, jwks_uri: string, userinfo_endpoint?: string, token_endpoint_auth_methods_supported?: string[] }

const urlSafe = (bytes = 32) => randomBytes(bytes).toString('base64url')

async function getJson (url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  let res: Response
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
  } catch (err) {
    throw new IdpError(`the identity provider did not answer at ${url}: ${(err as Error).message}`)
  }
  const body = await res.json().catch(() => null) as Record<string, unknown> | null
  if (!res.ok || body === null || typeof body !== 'object') throw new IdpError(`the identity provider answered ${res.status} at ${url}${typeof body?.error === 'string' ? ` (${body.error})` : ''}`)
  return body
}

export async function discover (provider: StoredProvider): Promise<Discovery> {
  const issuer = provider.ProviderDetails.oidc_issuer ?? ''
  const doc = await getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`) as unknown as Discovery
  for (const key of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof doc[key] !== 'string') throw new IdpError(`the discovery document of ${issuer} has no ${key}`)
  }
  if (doc.issuer !== issuer) throw new IdpError(`the discovery document names the issuer ${doc.issuer}, not ${issuer}`)
  return doc
}

/** What the authorization request to the IdP needs remembered until it answers. */
export interface IdpRequest { nonce: string, verifier: string }

/** The IdP's authorization URL for `state` (ours), and what to keep for its answer. */
export function idpAuthorization (provider: StoredProvider, doc: Discovery, state: string, redirectUri: string): { url: string, request: IdpRequest } {
  const request = { nonce: urlSafe(), verifier: urlSafe() }
  const url = new URL(doc.authorization_endpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: provider.ProviderDetails.client_id ?? '',
    redirect_uri: redirectUri,
    scope: provider.ProviderDetails.authorize_scopes ?? 'openid',
    state,
    nonce: request.nonce,
    code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update(request.verifier).digest('base64url')
  }).toString()
  return { url: url.toString(), request }
}

function verifyIdToken (token: string, keys: Array<Record<string, unknown>>, expected: { issuer: string, clientId: string, nonce: string }): Record<string, unknown> {
  const [h = '', p = '', s = ''] = token.split('.')
  let header: Record<string, unknown>, claims: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    throw new IdpError('the ID token is malformed')
  }
  if (header.alg !== 'RS256') throw new IdpError(`the ID token's algorithm ${String(header.alg)} is not RS256`)
  const jwk = keys.find(k => k.kid === header.kid && (k.use === undefined || k.use === 'sig') && k.kty === 'RSA')
  if (jwk === undefined) throw new IdpError('no key of the identity provider\'s JWKS signed the ID token')
  const key = createPublicKey({ key: jwk as never, format: 'jwk' })
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) throw new IdpError('the ID token\'s signature is not valid')
  const now = Math.floor(Date.now() / 1000)
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (claims.iss !== expected.issuer) throw new IdpError('the ID token\'s issuer is not the provider\'s')
  if (!aud.includes(expected.clientId)) throw new IdpError('the ID token is not for this client (aud)')
  if (typeof claims.exp !== 'number' || claims.exp + SKEW_S < now) throw new IdpError('the ID token has expired')
  if (claims.nonce !== expected.nonce) throw new IdpError('the ID token\'s nonce is not this sign-in\'s')
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new IdpError('the ID token names no subject')
  return claims
}

/** The person the IdP vouches for: their subject and the user pool attributes the provider's AttributeMapping yields. */
export interface FederatedIdentity { subject: string, attributes: Record<string, string> }

/** Exchanges the IdP's code (client secret: HTTP Basic unless the IdP takes only client_secret_post), verifies and maps. */
export async function redeem (provider: StoredProvider, doc: Discovery, code: string, redirectUri: string, request: IdpRequest): Promise<FederatedIdentity> {
  const clientId = provider.ProviderDetails.client_id ?? ''
  const secret = provider.ProviderDetails.client_secret ?? ''
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  const methods = doc.token_endpoint_auth_methods_supported
  if (methods !== undefined && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
    form.set('client_id', clientId)
    form.set('client_secret', secret)
  } else {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`
  }
  const tokens = await getJson(doc.token_endpoint, { method: 'POST', headers, body: form.toString() })
  if (typeof tokens.id_token !== 'string' || tokens.id_token === '') throw new IdpError('the identity provider answered no ID token')
  const jwks = await getJson(doc.jwks_uri)
  const claims = verifyIdToken(tokens.id_token, Array.isArray(jwks.keys) ? jwks.keys as Array<Record<string, unknown>> : [], { issuer: doc.issuer, clientId, nonce: request.nonce })
  if (doc.userinfo_endpoint !== undefined && typeof tokens.access_token === 'string' && provider.ProviderDetails.attributes_request_method !== 'POST') {
    const info = await getJson(doc.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    if (info.sub !== claims.sub) throw new IdpError('userinfo names another subject than the ID token')
    Object.assign(claims, info)
  }
  const attributes: Record<string, string> = {}
  for (const [attribute, claim] of Object.entries(provider.AttributeMapping)) {
    const value = claims[claim]
    if (value !== undefined && value !== null) attributes[attribute] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return { subject: claims.sub as string, attributes }
}
