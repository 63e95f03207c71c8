// ETags and If-Match for optimistic concurrency: every versioned resource's ETag is its version as a strong tag, "<version>".
import { Type } from 'typebox'
import { BadRequestError, NotFoundError, PreconditionFailedError, PreconditionRequiredError, WildcardIfMatchError } from '../domain/errors.js'

/** Anything with a version that each write bumps. */
export interface Versioned { version: number }

export const etagOf = (resource: Versioned) => `"${resource.version}"`

/** The If-Match request header, for the route schema of a write that checks it. */
export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 256, description: 'the ETag of the version you change' })) })

/** entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (RFC 9110 §8.8.3). */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/
/** A tag sent without its quotes, as a client that copied the version rather than the ETag does. */
const BARE_TAG = /^[\x21\x23-\x7e\x80-\xff]+$/

/** For a write that must name the version it changes (PATCH): 428 without If-Match, checked before any read. */
export function requireIfMatch (header: string | undefined): string {
  if (header === undefined) throw new PreconditionRequiredError()
  return header
}

/**
 * Holds a write to the version the client last saw: passes only if `header` lists the current ETag. Strong comparison
 * (RFC 9110 §13.1.1, §8.8.3.2): a weak tag never matches (412). `*` is refused (428): it matches any version, so it
 * would turn the check into "exists", which is not what a version-checked write wants. A tag without its quotes is
 * not an entity-tag at all: 400, and the detail says how to send it. A 412 there would tell the client to fetch the
 * resource again, which gives it the same ETag and the same mistake.
 */
export function assertIfMatch (header: string | undefined, current: Versioned): void {
  if (header === undefined) throw new PreconditionRequiredError()
  if (header.trim() === '*') throw new WildcardIfMatchError()
  // Empty list elements are allowed (RFC 9110 §5.6.1). A header that lists the current ETag passes, whatever else it lists.
  const tags = header.split(',').map(tag => tag.trim()).filter(tag => tag !== '')
  if (tags.includes(etagOf(current))) return
  const malformed = tags.find(tag => !ENTITY_TAG.test(tag))
  if (malformed !== undefined) {
    throw new BadRequestError(BARE_TAG.test(malformed) ? `ETags are quoted: send If-Match: "${malformed}"` : 'If-Match must list quoted ETags, such as "1"')
  }
  throw new PreconditionFailedError()
}

/**
 * A version-checked write's first step: reads the current item (consistently, in `read`), 404 when it is gone, then
 * checks If-Match against it as assertIfMatch does. Returns the item: a PATCH changes it, a DELETE holds its delete to
 * `current.version` (the write itself stays conditional on that version, so a change in between is a 412).
 */
export async function currentIfMatch<T extends Versioned> (header: string, read: () => Promise<T | null>, what: string): Promise<T> {
  const current = await read()
  if (!current) throw new NotFoundError(what)
  assertIfMatch(header, current)
  return current
}
