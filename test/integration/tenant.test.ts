// Tenant resolution against DynamoDB Local: membership is the authority, the claim must agree, the cache is short and evictable.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { A, B, startStack } from '../helpers/tenancy.js'
import { keys } from '../../src/repositories/keys.js'

const S = 'tenant-s'

const stack = await startStack(t, [A, B])
await stack.tenant(S, 'suspended')
// Caching off: every request sees the table as it is now.
const app = await stack.app(t, { MEMBERSHIP_CACHE_TTL_SECONDS: '0' })
const list = (headers: Record<string, string>) => app.inject({ url: '/orders', headers })

t.test('suspended tenant → 403 on every tenant route', async t => {
  await stack.member(S, 'sam', ['admins'])
  const h = stack.auth({ sub: 'sam' })
  for (const [method, url] of [['GET', '/orders'], ['POST', '/orders'], ['GET', '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV'], ['DELETE', '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV']] as const) {
    const res = await app.inject({ method, url, headers: h, ...(method === 'POST' ? { payload: { currency: 'EUR', items: [{ sku: 'a', quantity: 1, unitPrice: 1 }] } } : {}) })
    t.equal(res.statusCode, 403, `${method} ${url}`)
    t.match(res.json(), { detail: 'The tenant is suspended' })
  }
  await stack.setTenantStatus(S, 'active')
  t.equal((await list(h)).statusCode, 200, 'reactivated')
  await stack.setTenantStatus(S, 'suspended')
})

t.test('disabled and pending memberships → 403; invited becomes active at the first request', async t => {
  await stack.member(A, 'dora', ['members'], 'disabled')
  t.match((await list(stack.auth({ sub: 'dora' }))).json(), { status: 403, detail: 'Your membership is disabled' })
  await stack.member(A, 'pete', ['members'], 'pending')
  t.equal((await list(stack.auth({ sub: 'pete' }))).statusCode, 403)
  await stack.member(A, 'ivy', ['members'], 'invited')
  t.equal((await list(stack.auth({ sub: 'ivy' }))).statusCode, 200)
  t.equal((await stack.ddb.item(keys.membership(A, 'ivy')))?.status, 'active')
})

t.test('the token claim must agree with the membership', async t => {
  await stack.member(A, 'carl', ['admins'])
  t.equal((await list(stack.auth({ sub: 'carl', tenantId: A }))).statusCode, 200, 'claim confirmed')
  const other = await list(stack.auth({ sub: 'carl', tenantId: B }))
  t.equal(other.statusCode, 403, 'claim names a tenant without a membership')
  t.match(other.json(), { detail: 'You are not a member of this tenant' })
  t.equal((await list(stack.auth({ sub: 'carl', tenantId: 'x#y' }))).statusCode, 403, 'malformed claim')
  const unknown = await list(stack.auth({ sub: 'carl', tenantId: 'nope' }))
  t.equal(unknown.statusCode, 403, 'unknown tenant')
  t.same(unknown.json(), other.json(), 'the same answer whether or not the tenant exists')
})

t.test('memberships in two tenants: ambiguous unless the claim picks one', async t => {
  await stack.member(A, 'dual', ['members'])
  await stack.member(B, 'dual', ['admins'])
  const ambiguous = await list(stack.auth({ sub: 'dual' }))
  t.equal(ambiguous.statusCode, 400, 'a tenant route needs a choice')
  t.match(ambiguous.json(), { code: 'APP_TENANT_REQUIRED', detail: /X-Tenant-Id/ })
  const inB = await app.inject({ method: 'POST', url: '/orders', headers: stack.auth({ sub: 'dual', tenantId: B }), payload: { currency: 'EUR', items: [{ sku: 'a', quantity: 1, unitPrice: 1 }] } })
  t.equal(inB.statusCode, 201)
  const fromA = await app.inject({ url: `/orders/${inB.json().orderId}`, headers: stack.auth({ sub: 'dual', tenantId: A }) })
  t.equal(fromA.statusCode, 404, 'the same user in tenant A does not see tenant B orders')
  // A disabled membership does not make the other one ambiguous.
  await stack.setMemberStatus(A, 'dual', 'disabled')
  t.equal((await list(stack.auth({ sub: 'dual' }))).statusCode, 200)
})

t.test('groups come from the membership, not the token', async t => {
  await stack.member(A, 'gina', ['members'])
  const order = await app.inject({ method: 'POST', url: '/orders', headers: stack.auth({ sub: 'gina' }), payload: { currency: 'EUR', items: [{ sku: 'a', quantity: 1, unitPrice: 1 }] } })
  const url = `/orders/${order.json().orderId}`
  t.equal((await app.inject({ method: 'DELETE', url, headers: stack.auth({ sub: 'gina', groups: ['admins'] }) })).statusCode, 403, 'admins in the token, members in the membership')
  await stack.setMemberGroups(A, 'gina', ['admins'])
  t.equal((await app.inject({ method: 'DELETE', url, headers: stack.auth({ sub: 'gina', groups: ['members'] }) })).statusCode, 204, 'promoted in the membership')
})

t.test('with a cache: a removal applies within the TTL, or at once on evict', async t => {
  const cached = await stack.app(t, { MEMBERSHIP_CACHE_TTL_SECONDS: '1' })
  await stack.member(A, 'rita', ['admins'])
  await stack.member(A, 'ron', ['admins'])
  const rita = stack.auth({ sub: 'rita' })
  const ron = stack.auth({ sub: 'ron' })
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 200)
  t.equal((await cached.inject({ url: '/orders', headers: ron })).statusCode, 200)
  await stack.removeMember(A, 'rita')
  await stack.setMemberGroups(A, 'ron', ['members'])
  cached.tenantCache.evict('ron')
  t.equal((await cached.inject({ method: 'DELETE', url: '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: ron })).statusCode, 403, 'demotion applies at once after evict')
  await sleep(1100)
  const removed = await cached.inject({ url: '/orders', headers: rita })
  t.equal(removed.statusCode, 403, 'removed membership denied after the TTL')
  await stack.member(A, 'rita', ['admins'])
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 403, 'the denial is cached too')
  cached.tenantCache.evict('rita')
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 200, 'back after evict')
  await stack.setTenantStatus(A, 'suspended')
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 200, 'cached until the TTL...')
  cached.tenantCache.evictTenant(A)
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 403, '...or evictTenant')
  await stack.setTenantStatus(A, 'active')
  cached.tenantCache.evictTenant(A)
  t.equal((await cached.inject({ url: '/orders', headers: rita })).statusCode, 200)
})

t.test('tenant-optional routes resolve when they can and never throw for "no membership"', async t => {
  // A route of the kind GET /me will be: declared here only to exercise the policy.
  const optional = await stack.app(t, {}, {}, app => app.get('/probe-me', { config: { auth: { tenant: 'optional' } } }, async (request) => ({ tenantId: request.tenant?.tenantId ?? null })))
  const probe = async (sub: string, tenantId?: string) => await optional.inject({ url: '/probe-me', headers: stack.auth({ sub, tenantId, groups: ['platform-admins'] }) })
  t.same((await probe('ops')).json(), { tenantId: null }, 'no membership: no tenant, no error')
  t.same((await probe('carl')).json(), { tenantId: A }, 'resolved when there is one')
  t.same((await probe('nobody-yet')).json(), { tenantId: null })
  t.equal((await probe('carl', B)).statusCode, 403, 'a claim that disagrees is still denied')
  t.equal((await probe('dora')).statusCode, 403, 'a disabled membership is still denied')
})

t.test('a tenant-optional route with groups: only the membership grants them, never the token alone', async t => {
  const optional = await stack.app(t, {}, {}, app => app.get('/probe-members', { config: { auth: { tenant: 'optional', groups: ['members'] } } }, async (request) => ({ tenantId: request.tenant?.tenantId ?? null })))
  await stack.member(A, 'olga', ['members'])
  await stack.member(A, 'otto', ['admins'])
  const probe = (sub: string, groups: string[]) => optional.inject({ url: '/probe-members', headers: stack.auth({ sub, groups }) })
  t.same((await probe('olga', [])).json(), { tenantId: A }, 'a member by membership passes, whatever the token says')
  const tokenOnly = await probe('no-membership', ['members'])
  t.equal(tokenOnly.statusCode, 403, 'no tenant resolved: the token\'s groups do not count')
  t.equal(tokenOnly.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope"')
  t.equal((await probe('otto', ['members'])).statusCode, 403, 'an admin by membership is not a member, whatever the token says')
})

t.test('GET /me shows the email of the membership for an access token (which carries none)', async t => {
  await stack.member(A, 'mia', ['members'])
  const res = await app.inject({ url: '/me', headers: stack.auth({ sub: 'mia' }) })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { userId: 'mia', email: 'mia@example.com', tenantId: A, groups: ['members'] })
})
