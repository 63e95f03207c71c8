// Schemas shared by the route modules (not a route): the page query every list route accepts and the page it returns.
import { Type, type TSchema } from 'typebox'

/** ?limit&cursor: the cursor is opaque; the repository checks it belongs to the caller's partition (400 otherwise). */
export const PageQuery = (defaultLimit = 25) => Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: defaultLimit }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 }))
}, { additionalProperties: false })

/** { items, nextCursor }: nextCursor is null on the last page. */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
