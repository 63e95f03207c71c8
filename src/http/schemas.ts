// Schemas shared by the route modules: the page query and page of every list route, an email address, a status union from its constants.
import { Type, type TProperties, type TSchema } from 'typebox'
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from '../domain/model.js'

/** The same rule the repositories' email claim key enforces (src/domain/model.ts). */
export const Email = Type.String({ maxLength: EMAIL_MAX_LENGTH, pattern: EMAIL_PATTERN })

/**
 * A status from the domain's constants (ORDER_STATUSES): `{ enum: [...] }`, so Static is the union of the values and a
 * wrong value is one validation error naming them (src/http/problem.ts). A union of literals built with .map() would
 * type as never and report one error per literal.
 */
export const statusSchema = <Values extends string[]>(values: readonly [...Values], options: { description?: string } = {}) => Type.Enum<Values>(values, options)

/** The page size when ?limit is absent. */
export const DEFAULT_PAGE_LIMIT = 25

/**
 * ?limit&cursor, plus a list's own filters (orders' `status`). The cursor is opaque; the repository checks it belongs
 * to the caller's partition and kind (400 "Invalid cursor" otherwise). Unknown parameters are a 400.
 * `limit` has a default, which ajv fills in (useDefaults) before the handler runs: so it is not required of the caller
 * (nor listed as required in OpenAPI), while handlers read it as a number.
 */
export const PageQuery = <F extends TProperties = {}>(defaultLimit = DEFAULT_PAGE_LIMIT, filters: F = {} as F) => {
  const schema = Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 100, default: defaultLimit }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'opaque; from nextCursor' })),
    ...filters
  }, { additionalProperties: false })
  const raw = schema as { required?: string[] }
  const required = (raw.required ?? []).filter(name => name !== 'limit')
  if (required.length > 0) raw.required = required
  else delete raw.required
  return schema
}

/** { items, nextCursor }: nextCursor is null on the last page, and only there. */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

/** A pending invitation as admins and operators see it (invitationView in src/domain/membership.ts). */
export const InvitationView = Type.Object({
  expiresAt: Type.String(),
  expired: Type.Optional(Type.Literal(true, { description: 'present once expiresAt has passed: resend to renew it' }))
}, { description: 'while the user is invited: until when the invitation can be accepted' })
