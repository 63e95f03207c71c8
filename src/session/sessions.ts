// The console's sessions (a backend-for-frontend, docs/decisions/0023-console-session.md): the API keeps each signed-in
// browser's refresh token, sealed, in the table, and hands the page only short-lived access and ID tokens. The browser
// holds a random secret in an HttpOnly cookie (src/session/cookie.ts); the refresh token never stays in the page.
import createError from '@fastify/error'
import type { FastifyBaseLogger } from 'fastify'
import type { UserPoolClient } from '../cognito/user-pool.js'
import { TokenRefused, type IssuedTokens } from '../cognito/session-tokens.js'
import { ServiceUnavailableError } from '../domain/errors.js'
import type { sessionsRepository } from '../repositories/sessions.js'
import { clearedSessionCookie } from './cookie.js'
import { newSessionSecret, openRefreshToken, sealRefreshToken, sessionIdOf } from './secret.js'

/** 401: no session, or one that has ended (expired, signed out, revoked at Cognito, a disabled user); clears the cookie. */
const SessionEndedError = createError('APP_SESSION_ENDED', 'There is no session to continue; sign in again', 401)
const sessionEnded = () => Object.assign(new SessionEndedError(), { headers: { 'set-cookie': clearedSessionCookie() } })

/** What the page gets: tokens to call the API with until `expiresAt` (epoch ms, the access token's exp). */
export interface PageTokens { accessToken: string, idToken: string, expiresAt: number }

export type SessionStart = { refreshToken: string } | { code: string, codeVerifier: string, redirectUri: string }

export interface SessionsDeps {
  repo: ReturnType<typeof sessionsRepository>
  cognito: UserPoolClient
  /** The console's app client (a public client: no secret). */
  clientId: string
  /** The managed login's base URL (https://auth.example.com); without it, only the local password flow can start one. */
  loginUrl?: string
  /** How long a session lasts: the app client's refresh token validity. */
  ttlSeconds: number
  log: FastifyBaseLogger
  now?: () => number
}

function claimsOf (jwt: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

export function createSessions (deps: SessionsDeps) {
  const now = deps.now ?? Date.now
  const { repo, cognito, clientId } = deps

  /** The tokens came straight from Cognito over TLS, in this process's own call: their claims are read, not verified again. */
  const pageTokens = (issued: IssuedTokens): PageTokens => {
    const exp = claimsOf(issued.accessToken).exp
    return { accessToken: issued.accessToken, idToken: issued.idToken, expiresAt: typeof exp === 'number' ? exp * 1000 : now() + 300_000 }
  }

  /** Cognito's refusal ends the session (401); anything else of Cognito's is the service being unavailable (503). */
  const cognitoCall = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (err) {
      if (err instanceof TokenRefused) throw sessionEnded()
      if (typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err
      deps.log.error({ err }, 'the console session could not reach Cognito')
      throw Object.assign(new ServiceUnavailableError('The sign-in service is unavailable; retry shortly'), { cause: err, headers: { 'retry-after': '5' } })
    }
  }

  const save = async (secret: string, refreshToken: string, userId: string, expiresAt: number) => {
    await repo.put(sessionIdOf(secret), { sealed: sealRefreshToken(secret, refreshToken), userId, expiresAt })
  }

  return {
    /**
     * Starts a session: from the managed login's code (exchanged here, so the refresh token never reaches the page), or
     * from the refresh token the local password flow just got (checked with Cognito before it is kept).
     */
    async start (input: SessionStart): Promise<{ secret: string, tokens: PageTokens, maxAgeSeconds: number }> {
      const { loginUrl } = deps
      let issued: IssuedTokens
      let refreshToken: string
      if ('code' in input) {
        if (loginUrl === undefined) throw new ServiceUnavailableError('No managed login is configured (COGNITO_DOMAIN)')
        const exchanged = await cognitoCall(() => cognito.exchangeCode(loginUrl, { clientId, ...input }))
        issued = exchanged
        refreshToken = exchanged.refreshToken
      } else {
        refreshToken = input.refreshToken
        issued = await cognitoCall(() => cognito.refreshTokens(clientId, refreshToken))
        refreshToken = issued.refreshToken ?? refreshToken
      }
      const sub = claimsOf(issued.accessToken).sub
      if (typeof sub !== 'string') throw sessionEnded()
      const secret = newSessionSecret()
      await save(secret, refreshToken, sub, Math.floor(now() / 1000) + deps.ttlSeconds)
      return { secret, tokens: pageTokens(issued), maxAgeSeconds: deps.ttlSeconds }
    },

    /** New tokens for the session of `secret`; 401 (and the record removed) when it has ended. */
    async refresh (secret: string | undefined): Promise<PageTokens> {
      if (secret === undefined) throw sessionEnded()
      const id = sessionIdOf(secret)
      const stored = await repo.get(id)
      const refreshToken = stored === null || stored.expiresAt * 1000 <= now() ? null : openRefreshToken(secret, stored.sealed)
      if (stored === null || refreshToken === null) {
        if (stored !== null) await repo.delete(id)
        throw sessionEnded()
      }
      let issued: IssuedTokens
      try {
        issued = await cognitoCall(() => cognito.refreshTokens(clientId, refreshToken))
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 401) await repo.delete(id)
        throw err
      }
      // A client that rotates refresh tokens answers a new one: kept in place of the old.
      if (issued.refreshToken !== undefined) await save(secret, issued.refreshToken, stored.userId, stored.expiresAt)
      return pageTokens(issued)
    },

    /**
     * Ends the session: the refresh token revoked at Cognito, then the record deleted. Sign-out never fails for the
     * person: if Cognito cannot be reached the record still goes, and with it the only copy of the token's key.
     */
    async end (secret: string | undefined): Promise<void> {
      if (secret === undefined) return
      const id = sessionIdOf(secret)
      const stored = await repo.get(id)
      const refreshToken = stored === null ? null : openRefreshToken(secret, stored.sealed)
      if (refreshToken !== null) {
        await cognito.revokeRefreshToken(clientId, refreshToken).catch((err: unknown) => {
          if (!(err instanceof TokenRefused)) deps.log.warn({ err }, 'sign-out could not revoke the refresh token at Cognito; the session record is deleted')
        })
      }
      if (stored !== null) await repo.delete(id)
    }
  }
}
export type Sessions = ReturnType<typeof createSessions>
