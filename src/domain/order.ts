// Orders: the one definition of an order's shape (TypeBox; the types are Static of it), the status machine and the total. Pure, no I/O.
import { Type, type Static } from 'typebox'
import { UnprocessableError } from './errors.js'
import { ID_PATTERN } from './model.js'
import { statusSchema } from '../http/schemas.js'

export const ORDER_STATUSES = ['pending', 'confirmed', 'shipped', 'cancelled'] as const
export type OrderStatus = typeof ORDER_STATUSES[number]

export const OrderId = Type.String({ pattern: ID_PATTERN, description: 'time-sortable id' })
export const OrderStatusSchema = statusSchema(ORDER_STATUSES)
const Item = Type.Object({
  sku: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  unitPrice: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'minor units (cents)' })
}, { additionalProperties: false })
export type OrderItem = Static<typeof Item>
const Items = Type.Array(Item, { minItems: 1, maxItems: 100 })
const Note = Type.String({ maxLength: 1000 })
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' })

/** An order as stored and as every response shows it (the bench baseline serializes with it too); the repository picks these properties from the item. */
export const OrderSchema = Type.Object({
  orderId: OrderId,
  status: OrderStatusSchema,
  currency: Currency,
  items: Type.Array(Item),
  total: Type.Integer({ description: 'minor units' }),
  note: Type.Optional(Note),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer()
})
export type Order = Static<typeof OrderSchema>

// Unknown properties (tenantId, PK, version, ...) are a 400, never stripped: the app's ajv has removeAdditional off.
export const OrderCreate = Type.Object({ currency: Currency, items: Items, note: Type.Optional(Note) }, { additionalProperties: false })
export const OrderPatch = Type.Object({ status: Type.Optional(OrderStatusSchema), note: Type.Optional(Note), items: Type.Optional(Items) }, { additionalProperties: false, minProperties: 1 })

/** pending → confirmed → shipped; pending or confirmed → cancelled. Everything else (including "no change") is refused. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['shipped', 'cancelled'],
  shipped: [],
  cancelled: []
}

export function canTransition (from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** Sum of quantity × unitPrice in minor units, computed exactly; a total a JSON number cannot carry exactly is refused (422). */
export function orderTotal (items: readonly OrderItem[]): number {
  let total = 0n
  for (const item of items) total += BigInt(item.quantity) * BigInt(item.unitPrice)
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnprocessableError('The order total exceeds the largest supported amount')
  return Number(total)
}
