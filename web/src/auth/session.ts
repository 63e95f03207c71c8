// The signed-in session in the browser. Access and ID tokens live in memory only; the refresh token lives at the API
// (web/src/auth/bff.ts), behind an HttpOnly cookie page scripts cannot read. On load the page asks the API for tokens,
// so a reload or a new tab stays signed in; they are renewed there before expiry; sign-out ends the session there
// (revoking the refresh token at Cognito) and tells the other tabs. sessionStorage holds only the PKCE verifier and
// state across the redirect to the managed login.
import type { ConsoleConfig } from '../config.js'
import { authorizeUrl, callbackCode, codeChallenge, logoutUrl, randomUrlSafe, type PendingSignIn } from './managed-login.js'
import { newPasswordChallenge, passwordAuth, send, type AuthOutcome } from './password.js'
import { renewDelayMs, type Tokens } from './tokens.js'
import { SessionEnded, sessionRequest, tokensFromSession, type SessionCall, type SessionStart } from './bff.js'

const PENDING_KEY = 'console.pendingSignIn'
/** Tabs of the console tell each other about sign-in and sign-out (same origin only). */
const CHANNEL = 'console.session'
/** After a failed renewal that did not end the session (the API or Cognito briefly unavailable), try again this soon. */
const RETRY_MS = 15_000

export interface Session {
  /** Every address signs in through the managed login (production). */
  readonly managed: boolean
  /** SSO addresses can go to a managed login: production, or the local one beside the password sign-in. */
  readonly federates: boolean
  tokens: () => Tokens | null
  /** Called with the new tokens (null: signed out) whenever they change. */
  subscribe: (listener: (tokens: Tokens | null) => void) => () => void
  /** On load: the tokens of the session this browser already has, if any (a reload, a new tab). */
  restore: () => Promise<void>
  /** Local: USER_PASSWORD_AUTH; tokens, or the new-password challenge of an invited user. */
  signInWithPassword: (email: string, password: string) => Promise<AuthOutcome>
  completeNewPassword: (email: string, newPassword: string, session: string) => Promise<AuthOutcome>
  /** Production: off to the managed login (or, named, straight to a tenant's identity provider); `returnTo` (the hash) is restored after the callback. */
  startManagedLogin: (returnTo: string, identityProvider?: string) => Promise<void>
  /** Production: finishes a callback in the current URL; returns the hash to restore, or null when this is no callback. */
  finishManagedLogin: () => Promise<string | null>
  signOut: () => Promise<void>
}

export function redirectUriOf (config: ConsoleConfig): string {
  return config.redirectUri ?? `${location.origin}${location.pathname}`
}

export function createSession (config: ConsoleConfig): Session {
  let current: Tokens | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  const listeners = new Set<(tokens: Tokens | null) => void>()
  const domain = config.cognitoDomain
  const endpoint = config.cognitoEndpoint ?? `https://cognito-idp.${config.region}.amazonaws.com`
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined

  const call = async (what: SessionCall) => {
    const r = sessionRequest(location.origin, what)
    return await fetch(r.url, r.init)
  }

  const set = (tokens: Tokens | null, renewInMs?: number) => {
    clearTimeout(timer)
    current = tokens
    if (tokens !== null) timer = setTimeout(() => { void renew() }, renewInMs ?? renewDelayMs(tokens))
    for (const l of listeners) l(tokens)
  }

  const renew = async () => {
    try {
      set(await tokensFromSession(await call({ call: 'refresh' })))
    } catch (err) {
      // Ended (expired, revoked, a disabled account): signed out. Unavailable: keep the token while it lasts, retry.
      if (err instanceof SessionEnded || current === null || current.expiresAt <= Date.now()) set(null)
      else set(current, Math.min(RETRY_MS, Math.max(0, current.expiresAt - Date.now())))
    }
  }

  /** Hands the fresh refresh token to the API and keeps only what it answers: the page forgets the refresh token here. */
  const start = async (body: SessionStart) => {
    set(await tokensFromSession(await call({ call: 'start', body })))
    channel?.postMessage('signed-in')
  }
  const accept = async (outcome: AuthOutcome) => {
    if ('tokens' in outcome) {
      const refreshToken = outcome.tokens.refreshToken
      if (refreshToken === undefined) throw new Error('Cognito answered no refresh token')
      await start({ refreshToken })
    }
    return outcome
  }

  const restore = async () => {
    try {
      set(await tokensFromSession(await call({ call: 'refresh' })))
    } catch {
      // No session (401), or none reachable now: the sign-in page.
    }
  }

  channel?.addEventListener('message', (event: MessageEvent) => {
    if (event.data === 'signed-out') set(null)
    else if (event.data === 'signed-in' && current === null) void restore()
  })

  return {
    managed: domain !== undefined && config.cognitoEndpoint === undefined,
    federates: domain !== undefined,
    tokens: () => current,
    subscribe: (listener) => { listeners.add(listener); return () => { listeners.delete(listener) } },
    restore,
    signInWithPassword: async (email, password) => await accept(await send(passwordAuth(endpoint, config.clientId, email, password))),
    completeNewPassword: async (email, newPassword, session) => await accept(await send(newPasswordChallenge(endpoint, config.clientId, email, newPassword, session))),
    startManagedLogin: async (returnTo, identityProvider) => {
      if (domain === undefined) throw new Error('No managed login domain configured')
      const pending: PendingSignIn = { state: randomUrlSafe(16), verifier: randomUrlSafe(32), returnTo }
      sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending))
      location.assign(authorizeUrl({ domain, clientId: config.clientId, redirectUri: redirectUriOf(config), state: pending.state, challenge: await codeChallenge(pending.verifier), ...(identityProvider !== undefined ? { identityProvider } : {}) }))
    },
    finishManagedLogin: async () => {
      if (domain === undefined) return null
      const url = new URL(location.href)
      const stored = sessionStorage.getItem(PENDING_KEY)
      const pending = stored === null ? null : JSON.parse(stored) as PendingSignIn
      const code = callbackCode(url, pending)
      if (code === null || pending === null) return null
      sessionStorage.removeItem(PENDING_KEY)
      // The code is single-use: take it out of the address bar (and history) before anything else.
      history.replaceState(null, '', `${url.pathname}${pending.returnTo}`)
      // The API exchanges it (with the verifier) at the token endpoint: the refresh token never reaches this page.
      await start({ code, codeVerifier: pending.verifier, redirectUri: redirectUriOf(config) })
      return pending.returnTo
    },
    signOut: async () => {
      // The API revokes the refresh token at Cognito, deletes the session and clears the cookie; signing out never
      // fails for the person, so an error here still signs this page out.
      await call({ call: 'end' }).catch(() => {})
      channel?.postMessage('signed-out')
      set(null)
      // Locally there is no managed login session to end: the local managed login keeps none.
      if (domain !== undefined && config.cognitoEndpoint === undefined) location.assign(logoutUrl({ domain, clientId: config.clientId, logoutUri: config.logoutUri ?? redirectUriOf(config) }))
    }
  }
}
