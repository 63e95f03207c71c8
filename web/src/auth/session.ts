// The signed-in session in the browser: tokens in memory only (a reload signs in again; the managed login's own
// cookie makes that a redirect, not a password), renewed before expiry, revoked and cleared on sign-out. sessionStorage holds
// only the PKCE verifier and state across the redirect to the managed login.
import type { ConsoleConfig } from '../config.js'
import { authorizeUrl, callbackCode, codeChallenge, codeExchangeRequest, logoutUrl, randomUrlSafe, refreshRequest, revokeRequest as managedRevoke, tokensFromResponse, type PendingSignIn } from './managed-login.js'
import { newPasswordChallenge, passwordAuth, refreshAuth, revokeRequest as passwordRevoke, send, type AuthOutcome } from './password.js'
import { renewDelayMs, type Tokens } from './tokens.js'

const PENDING_KEY = 'console.pendingSignIn'

export interface Session {
  readonly managed: boolean
  tokens: () => Tokens | null
  /** Called with the new tokens (null: signed out) whenever they change. */
  subscribe: (listener: (tokens: Tokens | null) => void) => () => void
  /** Local: USER_PASSWORD_AUTH; tokens, or the new-password challenge of an invited user. */
  signInWithPassword: (email: string, password: string) => Promise<AuthOutcome>
  completeNewPassword: (email: string, newPassword: string, session: string) => Promise<AuthOutcome>
  /** Production: off to the managed login (or, named, straight to a tenant's identity provider); `returnTo` (the hash) is restored after the callback. */
  startManagedLogin: (returnTo: string, identityProvider?: string) => Promise<void>
  /** Production: finishes a callback in the current URL; returns the hash to restore, or null when this is no callback. */
  finishManagedLogin: () => Promise<string | null>
  signOut: () => void
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

  const set = (tokens: Tokens | null) => {
    clearTimeout(timer)
    current = tokens
    if (tokens?.refreshToken !== undefined) timer = setTimeout(() => { void renew() }, renewDelayMs(tokens))
    for (const l of listeners) l(tokens)
  }

  const renew = async () => {
    const refreshToken = current?.refreshToken
    if (refreshToken === undefined) return
    try {
      let next: Tokens
      if (domain !== undefined) {
        const r = refreshRequest({ domain, clientId: config.clientId, refreshToken })
        next = await tokensFromResponse(await fetch(r.url, r.init))
      } else {
        const outcome = await send(refreshAuth(endpoint, config.clientId, refreshToken))
        if (!('tokens' in outcome)) throw new Error('refresh answered a challenge')
        next = outcome.tokens
      }
      // Cognito does not rotate the refresh token by default: keep the one we have.
      set({ ...next, refreshToken: next.refreshToken ?? refreshToken })
    } catch {
      // Expired or revoked (a disabled user): the session is over.
      set(null)
    }
  }

  const accept = (outcome: AuthOutcome) => {
    if ('tokens' in outcome) set(outcome.tokens)
    return outcome
  }

  return {
    managed: domain !== undefined,
    tokens: () => current,
    subscribe: (listener) => { listeners.add(listener); return () => { listeners.delete(listener) } },
    signInWithPassword: async (email, password) => accept(await send(passwordAuth(endpoint, config.clientId, email, password))),
    completeNewPassword: async (email, newPassword, session) => accept(await send(newPasswordChallenge(endpoint, config.clientId, email, newPassword, session))),
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
      const r = codeExchangeRequest({ domain, clientId: config.clientId, code, redirectUri: redirectUriOf(config), verifier: pending.verifier })
      set(await tokensFromResponse(await fetch(r.url, r.init)))
      return pending.returnTo
    },
    signOut: () => {
      // The refresh token would otherwise stay valid for its whole life (30 days) wherever it leaked: revoked at
      // Cognito first. Best effort and kept alive across the logout redirect; signing out never waits for it.
      const refreshToken = current?.refreshToken
      if (refreshToken !== undefined) {
        const r = domain !== undefined ? managedRevoke({ domain, clientId: config.clientId, refreshToken }) : passwordRevoke(endpoint, config.clientId, refreshToken)
        fetch(r.url, { ...r.init, keepalive: true }).catch(() => {})
      }
      set(null)
      if (domain !== undefined) location.assign(logoutUrl({ domain, clientId: config.clientId, logoutUri: config.logoutUri ?? redirectUriOf(config) }))
    }
  }
}
