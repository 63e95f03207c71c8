// Idempotency-Key: the request header, and the hash that tells a retry (same body) from a reuse of the key (another body).
import { createHash } from 'node:crypto'
import { Type } from 'typebox'
import { ID_PATTERN } from '../domain/model.js'

/** The Idempotency-Key request header, for the route schema of a create that honours it. */
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'scoped to your tenant; kept 24 h' })) })

/** Key-order-independent JSON, so the same body always hashes the same. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export const requestHash = (body: unknown) => createHash('sha256').update(canonicalJson(body)).digest('base64url')

export interface Idempotency { key: string, requestHash: string }

/** What a repository's create needs from the request: the key and the body's hash, or undefined without a key. */
export function idempotencyOf (key: string | undefined, body: unknown): Idempotency | undefined {
  return key === undefined ? undefined : { key, requestHash: requestHash(body) }
}
