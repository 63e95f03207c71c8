// Order domain rules: transitions, exact totals, sortable ids.
import t from 'tap'
import { canTransition, orderTotal, ORDER_STATUSES } from '../../src/domain/order.js'
import { sortableId } from '../../src/domain/ids.js'
import { ID_REGEX } from '../../src/domain/model.js'

t.test('status transitions', async t => {
  const allowed = ORDER_STATUSES.flatMap(from => ORDER_STATUSES.filter(to => canTransition(from, to)).map(to => `${from}→${to}`))
  t.same(allowed.sort(), ['confirmed→cancelled', 'confirmed→shipped', 'pending→cancelled', 'pending→confirmed'])
})

t.test('totals are exact and bounded', async t => {
  t.equal(orderTotal([{ sku: 'a', quantity: 3, unitPrice: 199 }, { sku: 'b', quantity: 1, unitPrice: 1 }]), 598)
  t.equal(orderTotal([{ sku: 'a', quantity: 1, unitPrice: Number.MAX_SAFE_INTEGER }]), Number.MAX_SAFE_INTEGER)
  t.throws(() => orderTotal([{ sku: 'a', quantity: 1, unitPrice: Number.MAX_SAFE_INTEGER }, { sku: 'b', quantity: 1, unitPrice: 1 }]), { name: 'FastifyError', code: 'APP_UNPROCESSABLE' })
})

t.test('ids sort by time, in call order within a millisecond, and fit the id pattern', async t => {
  const a = sortableId(1_700_000_000_000)
  const b = sortableId(1_700_000_000_001)
  t.ok(ID_REGEX.test(a))
  t.ok(a < b)
  const burst = Array.from({ length: 50 }, () => sortableId())
  t.same([...burst].sort(), burst, 'ids made in the same millisecond keep their order')
  t.equal(new Set(burst).size, 50)
})
