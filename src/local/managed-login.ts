// The local stand-in for Cognito managed login's OAuth endpoints, for OIDC identity providers only (cognito-local
// cannot federate): `npm run dev` and the browser tests start it on 127.0.0.1 and name it as the console's
// cognitoDomain and the API's COGNITO_DOMAIN, so a person at a tenant's SSO domain signs in through that tenant's
// identity provider as on AWS.
// - GET /oauth2/authorize (response_type=code, PKCE S256 required, identity_provider or idp_identifier; there is no
//   sign-in page of its own: a password sign-in stays the local console's USER_PASSWORD_AUTH) redirects to the IdP
//   with our own state, nonce and PKCE and the redirect URI /oauth2/idpresponse.
// - GET /oauth2/idpresponse redeems the IdP's code (src/local/managed-login-oidc.ts), signs the person in as Cognito
//   would (src/local/managed-login-users.ts: linking, the triggers, the tokens) and redirects back with a one-time code.
// - POST /oauth2/token: authorization_code (one use, 5 minutes, the same client and redirect URI, the PKCE verifier)
//   and refresh_token. GET /logout redirects to an allowed logout_uri.
// The client's callback and sign-out URLs are the ones the stack allows (allowRedirectUri): cognito-local's client has none.
// https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readBody } from './cognito-shim-parts.js'
import { ProviderRefusal, type IdentityProviderStore, type StoredProvider } from './identity-providers.js'
import { discover, idpAuthorization, IdpError, redeem, type IdpRequest } from './managed-login-oidc.js'
import { FederationRefusal, type LocalFederation, type Tokens } from './managed-login-users.js'

const CODE_TTL_MS = 5 * 60_000
const PENDING_TTL_MS = 10 * 60_000
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/

export interface ManagedLoginOptions {
  /** Default: a free port. */
  port?: number
  userPoolId: string
  clientId: string
  providers: IdentityProviderStore
  federation: LocalFederation
  /** The app client's SupportedIdentityProviders (a provider not enabled on the client is refused, as at Cognito). */
  supportedProviders: () => Promise<string[]>
}

export interface ManagedLogin {
  /** http://127.0.0.1:<port> */
  origin: string
  /** 127.0.0.1:<port>: the API's COGNITO_DOMAIN. */
  domain: string
  port: number
  /** Adds a callback and sign-out URL of the app client (the console's page). */
  allowRedirectUri: (uri: string) => void
  close: () => Promise<void>
}

interface Pending { clientId: string, redirectUri: string, state: string | null, challenge: string, provider: StoredProvider, idp: IdpRequest, doc: Awaited<ReturnType<typeof discover>>, expiresAt: number }
interface Issued { clientId: string, redirectUri: string, challenge: string, tokens: Tokens, expiresAt: number }

const escape = (text: string) => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

export async function startManagedLogin (options: ManagedLoginOptions): Promise<ManagedLogin> {
  const redirectUris = new Set<string>()
  const pending = new Map<string, Pending>()
  const codes = new Map<string, Issued>()
  let origin = ''

  /** Before the redirect URI is known good, an error is a page of ours (never a redirect to an unchecked address). */
  const page = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'cache-control': 'no-store' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><main><h1>Sign-in error</h1><p>${escape(message)}</p></main></body></html>`)
  }
  const back = (res: ServerResponse, redirectUri: string, params: Record<string, string | null>) => {
    const url = new URL(redirectUri)
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v)
    res.writeHead(302, { location: url.toString(), 'cache-control': 'no-store' }).end()
  }
  const tokenAnswer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' }).end(JSON.stringify(body))
  }
  const sweep = () => {
    const now = Date.now()
    for (const [k, p] of pending) if (p.expiresAt <= now) pending.delete(k)
    for (const [k, c] of codes) if (c.expiresAt <= now) codes.delete(k)
  }

  async function authorize (q: URLSearchParams, res: ServerResponse) {
    const clientId = q.get('client_id')
    const redirectUri = q.get('redirect_uri') ?? ''
    if (clientId !== options.clientId) return page(res, 400, 'Unknown client_id.')
    if (!redirectUris.has(redirectUri)) return page(res, 400, 'redirect_mismatch: the redirect_uri is not a callback URL of this client.')
    const state = q.get('state')
    const fail = (error: string, description: string) => back(res, redirectUri, { error, error_description: description, state })
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.')
    const challenge = q.get('code_challenge') ?? ''
    if (q.get('code_challenge_method') !== 'S256' || !CHALLENGE.test(challenge)) return fail('invalid_request', 'PKCE is required: code_challenge_method=S256 and a code_challenge.')
    let provider: StoredProvider
    try {
      const name = q.get('identity_provider')
      const identifier = q.get('idp_identifier')
      if (name === null && identifier === null) return fail('invalid_request', 'The local managed login has no sign-in page: name identity_provider or idp_identifier (password sign-in is the console\'s own).')
      provider = (name !== null ? options.providers.describe(options.userPoolId, name) : options.providers.byIdentifier(options.userPoolId, identifier)).IdentityProvider
    } catch (err) {
      if (err instanceof ProviderRefusal) return fail('invalid_request', 'The identity provider does not exist.')
      throw err
    }
    if (provider.ProviderType !== 'OIDC') return fail('invalid_request', `The local managed login signs in through OIDC providers only, not ${provider.ProviderType}.`)
    if (!(await options.supportedProviders()).includes(provider.ProviderName)) return fail('invalid_request', `The provider ${provider.ProviderName} is not enabled for this client.`)
    let doc
    try {
      doc = await discover(provider)
    } catch (err) {
      if (err instanceof IdpError) return fail('server_error', err.message)
      throw err
    }
    const ours = randomBytes(24).toString('base64url')
    const { url, request } = idpAuthorization(provider, doc, ours, `${origin}/oauth2/idpresponse`)
    sweep()
    pending.set(ours, { clientId, redirectUri, state, challenge, provider, idp: request, doc, expiresAt: Date.now() + PENDING_TTL_MS })
    res.writeHead(302, { location: url, 'cache-control': 'no-store' }).end()
  }

  async function idpResponse (q: URLSearchParams, res: ServerResponse) {
    const key = q.get('state') ?? ''
    const p = pending.get(key)
    pending.delete(key)
    if (p === undefined || p.expiresAt <= Date.now()) return page(res, 400, 'This sign-in is unknown or has expired (state). Start again from the console.')
    const fail = (description: string) => back(res, p.redirectUri, { error: 'access_denied', error_description: description, state: p.state })
    const idpError = q.get('error')
    if (idpError !== null) return fail(`The identity provider answered ${idpError}${q.get('error_description') !== null ? `: ${q.get('error_description') ?? ''}` : ''}`)
    const idpCode = q.get('code')
    if (idpCode === null) return fail('The identity provider answered no code.')
    let tokens: Tokens
    try {
      const identity = await redeem(p.provider, p.doc, idpCode, `${origin}/oauth2/idpresponse`, p.idp)
      tokens = await options.federation.signIn(options.userPoolId, p.clientId, p.provider, identity)
    } catch (err) {
      if (err instanceof IdpError || err instanceof FederationRefusal) return fail(err.message)
      throw err
    }
    const code = randomBytes(32).toString('base64url')
    codes.set(code, { clientId: p.clientId, redirectUri: p.redirectUri, challenge: p.challenge, tokens, expiresAt: Date.now() + CODE_TTL_MS })
    back(res, p.redirectUri, { code, state: p.state })
  }

  async function token (form: URLSearchParams, res: ServerResponse) {
    const clientId = form.get('client_id')
    if (clientId !== options.clientId) return tokenAnswer(res, 400, { error: 'invalid_client' })
    const grant = form.get('grant_type')
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? ''
      const issued = codes.get(code)
      // One use: a code is gone at its first presentation, right or wrong.
      codes.delete(code)
      const verifier = form.get('code_verifier') ?? ''
      const ok = issued !== undefined && issued.expiresAt > Date.now() && issued.clientId === clientId && issued.redirectUri === form.get('redirect_uri') &&
        createHash('sha256').update(verifier).digest('base64url') === issued.challenge
      return ok ? tokenAnswer(res, 200, { ...issued.tokens }) : tokenAnswer(res, 400, { error: 'invalid_grant' })
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token')
      if (!options.federation.owns(refresh)) return tokenAnswer(res, 400, { error: 'invalid_grant' })
      try {
        return tokenAnswer(res, 200, await options.federation.refresh(refresh as string, clientId))
      } catch (err) {
        if (err instanceof FederationRefusal) return tokenAnswer(res, 400, { error: 'invalid_grant' })
        throw err
      }
    }
    tokenAnswer(res, 400, { error: 'unsupported_grant_type' })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    try {
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') return await authorize(url.searchParams, res)
      if (req.method === 'GET' && url.pathname === '/oauth2/idpresponse') return await idpResponse(url.searchParams, res)
      if (req.method === 'POST' && url.pathname === '/oauth2/token') return await token(new URLSearchParams((await readBody(req)).toString('utf8')), res)
      if (req.method === 'GET' && url.pathname === '/logout') {
        const to = url.searchParams.get('logout_uri') ?? ''
        if (url.searchParams.get('client_id') !== options.clientId || !redirectUris.has(to)) return page(res, 400, 'The logout_uri is not a sign-out URL of this client.')
        return res.writeHead(302, { location: to }).end()
      }
      page(res, 404, 'Not found.')
    } catch (err) {
      page(res, 500, `The local managed login failed: ${(err as Error).message}`)
    }
  }

  const server = createServer((req, res) => { void handle(req, res) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
  let closed: Promise<void> | undefined
  return {
    origin,
    domain: `127.0.0.1:${port}`,
    port,
    allowRedirectUri: (uri) => { redirectUris.add(uri) },
    close: async () => {
      closed ??= new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) })
      await closed
    }
  }
}
