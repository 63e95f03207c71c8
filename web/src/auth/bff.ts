// The console's session at the API (a backend-for-frontend, docs/decisions/0023-console-session.md), on the console's
// own origin: CloudFront routes /session* to the API, and locally the console server proxies it. The refresh token
// stays there, behind an HttpOnly cookie; the page gets short-lived access and ID tokens only. Plain functions, so
// they are unit-tested without a browser (test/unit/web-auth.test.ts).
import type { Tokens } from './tokens.js'

export const SESSION_PATH = '/session'
/** Every session request sends it: the API refuses one without it (with the Origin check, its CSRF defence). */
export const SESSION_HEADER = 'x-console-session'

export type SessionStart = { refreshToken: string } | { code: string, codeVerifier: string, redirectUri: string }
export type SessionCall = { call: 'start', body: SessionStart } | { call: 'refresh' } | { call: 'end' }

export interface SessionRequest { url: string, init: RequestInit & { method: string, headers: Record<string, string> } }

export function sessionRequest (origin: string, what: SessionCall): SessionRequest {
  const headers: Record<string, string> = { [SESSION_HEADER]: '1' }
  const common = { credentials: 'same-origin' as const, cache: 'no-store' as const }
  if (what.call === 'start') {
    return { url: `${origin}${SESSION_PATH}`, init: { ...common, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(what.body) } }
  }
  if (what.call === 'refresh') return { url: `${origin}${SESSION_PATH}/refresh`, init: { ...common, method: 'POST', headers } }
  return { url: `${origin}${SESSION_PATH}`, init: { ...common, method: 'DELETE', headers } }
}

/** 401: the session has ended (signed out, expired, revoked, a disabled account); sign in again. */
export class SessionEnded extends Error {
  override name = 'SessionEnded'
}

/** The session's answer as Tokens (never a refresh token); SessionEnded on 401, an Error with the problem's detail otherwise. */
export async function tokensFromSession (res: { status: number, json: () => Promise<unknown> }): Promise<Tokens> {
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.status === 401) throw new SessionEnded(typeof body.detail === 'string' ? body.detail : 'The session has ended')
  if (res.status !== 200 || typeof body.accessToken !== 'string' || typeof body.idToken !== 'string' || typeof body.expiresAt !== 'number') {
    throw new Error(`The session could not be kept: ${typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}`}`)
  }
  return { accessToken: body.accessToken, idToken: body.idToken, expiresAt: body.expiresAt }
}
