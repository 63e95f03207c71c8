// Orders: the status machine, the total and the time-sortable ids. Pure functions, no I/O.
import { UnprocessableError } from './errors.js'

export const ORDER_STATUSES = ['pending', 'confirmed', 'shipped', 'cancelled'] as const
export type OrderStatus = typeof ORDER_STATUSES[number]

export interface OrderItem { sku: string, quantity: number, unitPrice: number }

export interface Order {
  orderId: string
  status: OrderStatus
  currency: string
  items: OrderItem[]
  total: number
  note?: string
  createdAt: string
  updatedAt: string
  version: number
}

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
