// Schemas shared by the route modules: the page query and page of every list route, an email address, a status union from its constants.
import { Type, type TSchema } from 'typebox'
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from '../domain/model.js'

/** The same rule the repositories' email claim key enforces (src/domain/model.ts). */
export const Email = Type.String({ maxLength: EMAIL_MAX_LENGTH, pattern: EMAIL_PATTERN })

/** The page size when ?limit is absent. ajv fills it in; handlers fall back to it for the type checker's sake. */
export const DEFAULT_PAGE_LIMIT = 25

/** ?limit&cursor: the cursor is opaque; the repository checks it belongs to the caller's partition (400 otherwise). */
export const PageQuery = (defaultLimit = DEFAULT_PAGE_LIMIT) => Type.Object({
  // Optional with a default: ajv fills it in (useDefaults), and OpenAPI no longer lists it as required.
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: defaultLimit })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 }))
}, { additionalProperties: false })

/** { items, nextCursor }: nextCursor is null on the last page. */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
