// The console's session cookie: its one name and attributes, read from a Cookie header and written as Set-Cookie.
// https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html (the __Host- prefix, SameSite)
import { isSessionSecret } from './secret.js'

/**
 * `__Host-`: the browser takes it only with Secure, Path=/ and no Domain, so no sibling subdomain can plant or overwrite
 * it (a planted cookie would sign the victim in as the attacker). Path=/ is the price; the path was never a security
 * boundary (RFC 6265 section 8.5), and only this cookie's SameSite and HttpOnly decide who sees it.
 * Chromium and Firefox accept Secure (and the prefix) from http://localhost and http://127.0.0.1, so the local stack uses
 * the same cookie as production.
 */
export const SESSION_COOKIE = '__Host-console-session'

const ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict'

/** The session secret in a Cookie header, or undefined (absent or malformed: both mean no session). */
export function sessionSecretOf (cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined
  for (const part of cookieHeader.split(';')) {
    const at = part.indexOf('=')
    if (at < 0 || part.slice(0, at).trim() !== SESSION_COOKIE) continue
    const value = part.slice(at + 1).trim()
    return isSessionSecret(value) ? value : undefined
  }
  return undefined
}

export const sessionCookie = (secret: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${secret}; Max-Age=${maxAgeSeconds}; ${ATTRIBUTES}`

export const clearedSessionCookie = () => `${SESSION_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`
