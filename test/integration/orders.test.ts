// The orders API against DynamoDB Local with two tenants side by side: isolation, concurrency, idempotency, validation.
import t from 'tap'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { A, B, seedTwoTenants, startStack } from '../helpers/tenancy.js'
import { keys } from '../../src/repositories/keys.js'

const body = { currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1250 }], note: 'first' }

const stack = await startStack(t, [A, B])
const { alice, member: mike, bob, ops } = await seedTwoTenants(stack)
const app = await stack.app(t)

async function create (headers: Record<string, string>, payload: unknown = body, extra: Record<string, string> = {}) {
  return await app.inject({ method: 'POST', url: '/orders', headers: { ...headers, ...extra }, payload: payload as object })
}
const rawOrder = (tenantId: string, orderId: string) => stack.ddb.item(keys.item(tenantId, 'ORDER', orderId))
async function countOrders (tenantId: string) {
  const res = await stack.ddb.doc.send(new QueryCommand({
    TableName: stack.ddb.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :o)', ExpressionAttributeValues: { ':pk': keys.tenantPk(tenantId), ':o': 'ORDER#' }, ConsistentRead: true
  }))
  return res.Count ?? 0
}

t.test('create, read, list, change and delete an order', async t => {
  const created = await create(mike)
  t.equal(created.statusCode, 201)
  const order = created.json()
  t.match(order, { orderId: /^[0-9a-z]{22}$/, status: 'pending', currency: 'EUR', total: 2500, note: 'first', version: 1 })
  t.equal(created.headers.etag, '"1"')
  t.equal(created.headers.location, `/orders/${order.orderId}`)
  t.notOk('tenantId' in order, 'no internal attributes leak')
  t.notOk('PK' in order)

  const got = await app.inject({ url: `/orders/${order.orderId}`, headers: mike })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, '"1"')
  t.same(got.json(), order)

  const patched = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"1"' }, payload: { items: [{ sku: 'SKU-2', quantity: 3, unitPrice: 100 }], note: 'second' } })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { total: 300, note: 'second', version: 2, status: 'pending' })
  t.equal(patched.headers.etag, '"2"')

  const confirmed = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"2"' }, payload: { status: 'confirmed' } })
  t.equal(confirmed.statusCode, 200)
  t.equal(confirmed.json().status, 'confirmed')

  const itemsNow = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"3"' }, payload: { items: body.items } })
  t.equal(itemsNow.statusCode, 409, 'items change only while pending')
  const back = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"3"' }, payload: { status: 'pending' } })
  t.equal(back.statusCode, 409, 'confirmed → pending is not a transition')
  const shipped = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"3"' }, payload: { status: 'shipped' } })
  t.equal(shipped.statusCode, 200)
  const cancel = await app.inject({ method: 'PATCH', url: `/orders/${order.orderId}`, headers: { ...mike, 'if-match': '"4"' }, payload: { status: 'cancelled' } })
  t.equal(cancel.statusCode, 409, 'shipped → cancelled is not a transition')

  const memberDelete = await app.inject({ method: 'DELETE', url: `/orders/${order.orderId}`, headers: mike })
  t.equal(memberDelete.statusCode, 403, 'members cannot delete')
  t.ok(await rawOrder(A, order.orderId), 'still there')
  const staleDelete = await app.inject({ method: 'DELETE', url: `/orders/${order.orderId}`, headers: { ...alice, 'if-match': '"1"' } })
  t.equal(staleDelete.statusCode, 412)
  const auditOf = async () => (await app.inject({ url: '/audit?limit=100', headers: alice })).json().items.filter((e: { target: string }) => e.target === order.orderId)
  t.same(await auditOf(), [], 'a refused delete records nothing')
  const deleted = await app.inject({ method: 'DELETE', url: `/orders/${order.orderId}`, headers: alice })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.match(await auditOf(), [{ action: 'order.deleted', actor: 'alice', actorEmail: 'alice@example.com', target: order.orderId, details: { status: 'shipped', total: 300, currency: 'EUR', items: 1 } }], 'the deletion is audited, with what the order was and who deleted it')
  const gone = await app.inject({ url: `/orders/${order.orderId}`, headers: mike })
  t.equal(gone.statusCode, 404)
  const again = await app.inject({ method: 'DELETE', url: `/orders/${order.orderId}`, headers: alice })
  t.equal(again.statusCode, 404)
})

t.test('every order route across tenants is a 404, and nothing changes', async t => {
  const mine = (await create(bob)).json()
  const missing = await app.inject({ url: '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: alice })
  const foreign = await app.inject({ url: `/orders/${mine.orderId}`, headers: alice })
  t.equal(foreign.statusCode, 404)
  t.same(foreign.json(), missing.json(), 'indistinguishable from a missing order')
  t.match(foreign.headers['content-type'], /^application\/problem\+json/)
  t.match(foreign.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Order not found' })

  const patch = await app.inject({ method: 'PATCH', url: `/orders/${mine.orderId}`, headers: { ...alice, 'if-match': '"1"' }, payload: { status: 'cancelled' } })
  t.equal(patch.statusCode, 404)
  const del = await app.inject({ method: 'DELETE', url: `/orders/${mine.orderId}`, headers: alice })
  t.equal(del.statusCode, 404)
  const delIfMatch = await app.inject({ method: 'DELETE', url: `/orders/${mine.orderId}`, headers: { ...alice, 'if-match': '"1"' } })
  t.equal(delIfMatch.statusCode, 404)
  const list = await app.inject({ url: '/orders?limit=100', headers: alice })
  t.notOk(list.json().items.some((o: { orderId: string }) => o.orderId === mine.orderId))

  const raw = await rawOrder(B, mine.orderId)
  t.match(raw, { status: 'pending', version: 1 }, "tenant B's order is untouched")
  t.notOk(await rawOrder(A, mine.orderId), 'nothing was written under tenant A either')
})

t.test('a tenant id smuggled in query, header, body or path is refused or ignored', async t => {
  const bOrder = (await create(bob)).json()
  const [aBefore, bBefore] = [await countOrders(A), await countOrders(B)]
  const viaQuery = await app.inject({ url: `/orders?tenantId=${B}`, headers: alice })
  t.equal(viaQuery.statusCode, 400, 'unknown query parameter')
  // X-Tenant-Id chooses among the caller's own tenants; a membership must confirm it.
  const viaHeader = await app.inject({ url: `/orders/${bOrder.orderId}`, headers: { ...alice, 'x-tenant-id': B } })
  t.equal(viaHeader.statusCode, 403, 'x-tenant-id naming a tenant the caller is not in')
  t.notOk(viaHeader.body.includes(bOrder.orderId))
  const listViaHeader = await app.inject({ url: '/orders?limit=100', headers: { ...alice, 'x-tenant-id': B } })
  t.equal(listViaHeader.statusCode, 403)
  t.same(listViaHeader.json(), viaHeader.json(), 'the same refusal for every route')
  for (const extra of [{ tenantId: B }, { PK: `TENANT#${B}` }, { version: 7 }, { status: 'shipped' }]) {
    const res = await create(alice, { ...body, ...extra })
    t.equal(res.statusCode, 400, `body with ${Object.keys(extra)[0]}`)
    t.equal(res.json().code, 'VALIDATION')
  }
  const patchSmuggle = await app.inject({ method: 'PATCH', url: `/orders/${bOrder.orderId}`, headers: { ...bob, 'if-match': '"1"' }, payload: { tenantId: A } })
  t.equal(patchSmuggle.statusCode, 400)
  const viaPath = await app.inject({ url: `/tenants/${B}/orders/${bOrder.orderId}`, headers: alice })
  t.equal(viaPath.statusCode, 404)
  const hashInId = await app.inject({ url: `/orders/${encodeURIComponent(`x#TENANT#${B}`)}`, headers: alice })
  t.equal(hashInId.statusCode, 400, 'an id that could escape its key segment')
  t.same([await countOrders(A), await countOrders(B)], [aBefore, bBefore], 'nothing was created in either tenant')
})

t.test('pagination: newest first, cursors bound to the tenant, status filter keeps nextCursor right', async t => {
  const before = await countOrders(A)
  const made: string[] = []
  for (let i = 0; i < 7; i++) {
    const o = (await create(alice, { ...body, note: `n${i}` })).json()
    made.push(o.orderId)
    if (i % 3 === 0) {
      const r = await app.inject({ method: 'PATCH', url: `/orders/${o.orderId}`, headers: { ...alice, 'if-match': '"1"' }, payload: { status: 'confirmed' } })
      t.equal(r.statusCode, 200)
    }
  }
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res = await app.inject({ url: `/orders?limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers: alice })
    t.equal(res.statusCode, 200)
    const page = res.json() as { items: Array<{ orderId: string }>, nextCursor: string | null }
    t.ok(page.items.length <= 3)
    seen.push(...page.items.map(o => o.orderId))
    cursor = page.nextCursor
  } while (cursor)
  t.equal(seen.length, before + 7, 'every order exactly once')
  t.same(seen.slice(0, 7), [...made].reverse(), 'newest first')
  t.same([...seen].sort().reverse(), seen, 'sorted by id, descending')

  const confirmed: string[] = []
  cursor = null
  let pages = 0
  do {
    const res = await app.inject({ url: `/orders?limit=2&status=confirmed${cursor ? `&cursor=${cursor}` : ''}`, headers: alice })
    const page = res.json() as { items: Array<{ orderId: string, status: string }>, nextCursor: string | null }
    t.ok(page.items.every(o => o.status === 'confirmed'))
    confirmed.push(...page.items.map(o => o.orderId))
    cursor = page.nextCursor
    pages++
  } while (cursor && pages < 20)
  t.same(confirmed, [made[6], made[3], made[0]], 'filtered pages skip nothing and repeat nothing')

  const first = (await app.inject({ url: '/orders?limit=1', headers: alice })).json()
  t.ok(first.nextCursor)
  const foreign = await app.inject({ url: `/orders?limit=5&cursor=${first.nextCursor}`, headers: bob })
  t.equal(foreign.statusCode, 400, "tenant A's cursor used by tenant B")
  t.match(foreign.json(), { status: 400, detail: 'Invalid cursor' })
  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url')
  const forgedForB = cursorOf({ PK: `TENANT#${B}`, SK: `ORDER#${made[3]}` })
  t.equal((await app.inject({ url: `/orders?cursor=${forgedForB}`, headers: alice })).statusCode, 400, 'a cursor naming another tenant')
  for (const bad of ['garbage', cursorOf([1, 2]), cursorOf({ PK: `TENANT#${A}`, SK: 'ORDER#a#b' }), cursorOf({ PK: `TENANT#${A}`, SK: `USER#${made[3]}` }), cursorOf({ PK: `TENANT#${A}` }), cursorOf(null)]) {
    const res = await app.inject({ url: `/orders?cursor=${bad}`, headers: alice })
    t.equal(res.statusCode, 400, `forged cursor ${bad}`)
  }
  // A page that ends with the last order says so: no cursor that leads to an empty page.
  const all = (await app.inject({ url: '/orders?limit=100', headers: alice })).json()
  t.equal(all.nextCursor, null, 'everything fits in one page')
  const exact = (await app.inject({ url: `/orders?limit=${all.items.length}`, headers: alice })).json()
  t.equal(exact.items.length, all.items.length)
  t.equal(exact.nextCursor, null, 'exactly `limit` items left: nextCursor is null')
  const butOne = (await app.inject({ url: `/orders?limit=${all.items.length - 1}`, headers: alice })).json()
  t.ok(butOne.nextCursor, 'one more left: a cursor')
  const rest = (await app.inject({ url: `/orders?limit=5&cursor=${butOne.nextCursor}`, headers: alice })).json()
  t.same(rest.items.map((o: { orderId: string }) => o.orderId), [all.items.at(-1).orderId])
  t.equal(rest.nextCursor, null)
  const confirmedExact = (await app.inject({ url: '/orders?limit=3&status=confirmed', headers: alice })).json()
  t.equal(confirmedExact.items.length, 3)
  t.equal(confirmedExact.nextCursor, null, 'filtered: exactly `limit` matches left, nextCursor is null')
  const badStatus = await app.inject({ url: '/orders?status=lost', headers: alice })
  t.equal(badStatus.statusCode, 400)
  t.match(badStatus.json().errors, [{ path: 'querystring/status', message: 'must be one of "pending", "confirmed", "shipped", "cancelled"' }], 'names the allowed values')

  t.equal((await app.inject({ url: '/orders?limit=0', headers: alice })).statusCode, 400)
  t.equal((await app.inject({ url: '/orders?limit=101', headers: alice })).statusCode, 400)
})

t.test('PATCH needs If-Match; concurrent PATCHes with the same If-Match: one 200, one 412', async t => {
  const o = (await create(alice)).json()
  const url = `/orders/${o.orderId}`
  const none = await app.inject({ method: 'PATCH', url, headers: alice, payload: { note: 'x' } })
  t.equal(none.statusCode, 428)
  t.match(none.json(), { status: 428, code: 'APP_PRECONDITION_REQUIRED', detail: 'If-Match header is required' })
  const star = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '*' }, payload: { note: 'x' } })
  t.equal(star.statusCode, 428)
  t.match(star.headers['content-type'], /^application\/problem\+json/)
  t.match(star.json(), { status: 428, code: 'APP_PRECONDITION_REQUIRED', detail: 'If-Match: * is not accepted; send the ETag of the version you change' }, 'says what is wrong with the header that was sent')
  // An unquoted tag is not an entity-tag (RFC 9110 §8.8.3): 400 with how to send it, not a 412 that a refetch cannot cure.
  const bare = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '1' }, payload: { note: 'x' } })
  t.equal(bare.statusCode, 400)
  t.match(bare.json(), { status: 400, code: 'APP_BAD_REQUEST', detail: 'ETags are quoted: send If-Match: "1"' })
  const bareDelete = await app.inject({ method: 'DELETE', url, headers: { ...alice, 'if-match': '1' } })
  t.equal(bareDelete.statusCode, 400, 'DELETE checks If-Match the same way')
  const weak = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': 'W/"1"' }, payload: { note: 'x' } })
  t.equal(weak.statusCode, 412, 'a weak tag never matches (strong comparison)')
  const listed = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '"7", 1' }, payload: { note: 'x' } })
  t.equal(listed.statusCode, 400, 'an unquoted tag in a list that does not match')
  const stale = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '"9"' }, payload: { note: 'x' } })
  t.equal(stale.statusCode, 412)
  t.match(await rawOrder(A, o.orderId), { version: 1, note: 'first' }, 'nothing written')

  const results = await Promise.all(['a', 'b', 'c', 'd'].map(note =>
    app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '"1"' }, payload: { note } })))
  const codes = results.map(r => r.statusCode).sort()
  t.same(codes, [200, 412, 412, 412])
  const winner = results.find(r => r.statusCode === 200)!.json()
  t.match(await rawOrder(A, o.orderId), { version: 2, note: winner.note })
  const empty = await app.inject({ method: 'PATCH', url, headers: { ...alice, 'if-match': '"2"' }, payload: {} })
  t.equal(empty.statusCode, 400, 'an empty change is not valid')
})

t.test('Idempotency-Key: retries replay, concurrent retries create one order, another body is 422', async t => {
  const before = await countOrders(A)
  const key = { 'idempotency-key': 'key-123' }
  const results = await Promise.all(Array.from({ length: 5 }, () => create(alice, body, key)))
  for (const r of results) t.equal(r.statusCode, 201)
  const ids = new Set(results.map(r => r.json().orderId))
  t.equal(ids.size, 1, 'one order id for every retry')
  t.equal(await countOrders(A), before + 1, 'one order created')
  const first = results[0]!
  for (const r of results) {
    t.same(r.json(), first.json())
    t.equal(r.headers.etag, first.headers.etag)
    t.equal(r.headers.location, first.headers.location)
  }
  // The replay is the original response even after the order changed.
  const orderId = first.json().orderId as string
  t.equal((await app.inject({ method: 'PATCH', url: `/orders/${orderId}`, headers: { ...alice, 'if-match': '"1"' }, payload: { note: 'changed' } })).statusCode, 200, 'the order did change')
  const later = await create(alice, { items: body.items, note: body.note, currency: 'EUR' }, key)
  t.equal(later.statusCode, 201)
  t.same(later.json(), first.json(), 'same body (key order does not matter)')
  t.equal(later.headers['idempotent-replayed'], 'true')

  const different = await create(alice, { ...body, note: 'other' }, key)
  t.equal(different.statusCode, 422)
  t.equal(await countOrders(A), before + 1)

  const otherTenant = await create(bob, body, key)
  t.equal(otherTenant.statusCode, 201, 'keys are scoped to the tenant')
  t.not(otherTenant.json().orderId, orderId)
  t.ok(await rawOrder(B, otherTenant.json().orderId), 'written under tenant B')
  t.equal(await countOrders(A), before + 1, 'nothing more under tenant A')

  const badKey = await create(alice, body, { 'idempotency-key': 'bad key#1' })
  t.equal(badKey.statusCode, 400)
  const longKey = await create(alice, body, { 'idempotency-key': 'k'.repeat(65) })
  t.equal(longKey.statusCode, 400)
})

t.test('validation: unknown properties, currency, items, ids, overflow', async t => {
  const cases: Array<[string, unknown]> = [
    ['lowercase currency', { ...body, currency: 'eur' }],
    ['4-letter currency', { ...body, currency: 'EURO' }],
    ['no items', { ...body, items: [] }],
    ['zero quantity', { ...body, items: [{ sku: 'A', quantity: 0, unitPrice: 1 }] }],
    ['fractional price', { ...body, items: [{ sku: 'A', quantity: 1, unitPrice: 1.5 }] }],
    ['negative price', { ...body, items: [{ sku: 'A', quantity: 1, unitPrice: -1 }] }],
    ['unknown item property', { ...body, items: [{ sku: 'A', quantity: 1, unitPrice: 1, discount: 5 }] }],
    ['101 items', { ...body, items: Array.from({ length: 101 }, () => ({ sku: 'A', quantity: 1, unitPrice: 1 })) }],
    ['long note', { ...body, note: 'x'.repeat(1001) }],
    // A JSON body is checked as sent, not coerced: a string is not a quantity, a boolean is not a price.
    ['quantity as a string', { ...body, items: [{ sku: 'A', quantity: '2', unitPrice: 1 }] }],
    ['price as a boolean', { ...body, items: [{ sku: 'A', quantity: 1, unitPrice: true }] }],
    ['note as a number', { ...body, note: 123 }]
  ]
  for (const [name, payload] of cases) {
    const res = await create(alice, payload)
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), { status: 400, code: 'VALIDATION', errors: Array })
  }
  const overflow = await create(alice, { ...body, items: Array.from({ length: 100 }, () => ({ sku: 'A', quantity: 1_000_000, unitPrice: 1_000_000_000_000 })) })
  t.equal(overflow.statusCode, 422, 'a total beyond MAX_SAFE_INTEGER')
  for (const id of ['a'.repeat(65), 'bad.id', 'a%23b']) {
    const res = await app.inject({ url: `/orders/${id}`, headers: alice })
    t.equal(res.statusCode, 400, `bad id ${id}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
})

t.test('who may call: members and admins of an active tenant only', async t => {
  const res = await app.inject({ url: '/orders', headers: ops })
  t.equal(res.statusCode, 403, 'a platform admin has no tenant')
  t.match(res.json(), { status: 403 })
  const create403 = await create(ops)
  t.equal(create403.statusCode, 403)
  t.equal((await app.inject({ url: '/orders' })).statusCode, 401)
  const stranger = await app.inject({ url: '/orders', headers: stack.auth({ sub: 'stranger', groups: ['admins'] }) })
  t.equal(stranger.statusCode, 403, 'admins in the token but no membership')
})
