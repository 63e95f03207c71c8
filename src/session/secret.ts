// The session secret the cookie carries, and what the table holds instead of it: the record's id and the refresh token
// sealed with a key only the secret gives. The table alone yields neither a usable cookie nor a usable refresh token.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/** 32 random bytes (256 bits), base64url: 43 characters. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function newSessionSecret (): string {
  return randomBytes(32).toString('base64url')
}

export const isSessionSecret = (value: unknown): value is string => typeof value === 'string' && SECRET_PATTERN.test(value)

/** Two independent values from one secret (RFC 5869 HKDF-SHA-256, distinct `info`), so knowing the id gives no key. */
function derive (secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'base64url'), Buffer.alloc(0), `console-session ${info}`, 32))
}

/** The record's id: hex, so it is a safe key segment. */
export function sessionIdOf (secret: string): string {
  return derive(secret, 'id').toString('hex')
}

/** AES-256-GCM; the record's id is the additional data, so a sealed token moved to another record does not open. */
export function sealRefreshToken (secret: string, refreshToken: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', derive(secret, 'key'), iv)
  cipher.setAAD(Buffer.from(sessionIdOf(secret)))
  const sealed = Buffer.concat([cipher.update(refreshToken, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.')
}

/** The refresh token, or null when `sealed` was not sealed with this secret (or was changed). */
export function openRefreshToken (secret: string, sealed: string): string | null {
  const [version, iv, data, tag] = sealed.split('.')
  if (version !== 'v1' || iv === undefined || data === undefined || tag === undefined) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(secret, 'key'), Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(sessionIdOf(secret)))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}
