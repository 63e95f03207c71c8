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

/**
 * ?limit&cursor, plus a list's own filters (orders' `status`). The cursor is opaque; the repository checks it belongs
 * to the caller's partition and kind (400 "Invalid cursor" otherwise). Unknown parameters are a 400.
 */
export const PageQuery = <F extends TProperties = {}>(defaultLimit = 25, filters: F = {} as F) => Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: defaultLimit }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'opaque; from nextCursor' })),
  ...filters
}, { additionalProperties: false })

/** { items, nextCursor }: nextCursor is null on the last page, and only there. */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
