// One person, many tenants: the tenant of each request (X-Tenant-Id, else the token's claim, else the only usable
// membership), always confirmed by a membership; GET /me's tenant list; the default tenant. Real DynamoDB Local.
import t from 'tap'
import { A, B, startStack } from '../helpers/tenancy.js'
import { keys } from '../../src/repositories/keys.js'

const C = 'tenant-c'

const stack = await startStack(t, [A, B, C])
// Caching off: every request sees the table as it is now.
const app = await stack.app(t, { MEMBERSHIP_CACHE_TTL_SECONDS: '0', CORS_ORIGINS: 'https://console.example' })
const inFuture = new Date(Date.now() + 3_600_000).toISOString()
const inPast = new Date(Date.now() - 1000).toISOString()

// mia: admin in A, member in B, invited (with an account already: explicit acceptance) to C.
await stack.member(A, 'mia', ['admins'])
await stack.member(B, 'mia', ['members'])
await stack.member(C, 'mia', ['members'], 'invited', { invitedAt: inPast, invitedBy: 'someone', expiresAt: inFuture, createdUser: false })
const mia = (extra: Record<string, string> = {}) => ({ ...stack.auth({ sub: 'mia' }), ...extra })

t.test('admin in A and member in B: the header picks the tenant and its role', async t => {
  t.equal((await app.inject({ url: '/users', headers: mia({ 'x-tenant-id': A }) })).statusCode, 200, 'admin route in A')
  const inB = await app.inject({ url: '/users', headers: mia({ 'x-tenant-id': B }) })
  t.equal(inB.statusCode, 403, 'the same admin route in B, where mia is a member')
  t.equal((await app.inject({ url: '/orders', headers: mia({ 'x-tenant-id': B }) })).statusCode, 200, 'a member route in B')
})

t.test('no header with two usable memberships: 400 APP_TENANT_REQUIRED naming the header', async t => {
  const res = await app.inject({ url: '/orders', headers: mia() })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 400, code: 'APP_TENANT_REQUIRED', detail: /X-Tenant-Id/ })
})

t.test('the header naming a tenant the caller is not in, or only invited to: 403, the same whether or not it exists', async t => {
  await stack.member(B, 'noah', ['members'])
  const notIn = await app.inject({ url: '/orders', headers: { ...stack.auth({ sub: 'noah' }), 'x-tenant-id': A } })
  const missing = await app.inject({ url: '/orders', headers: { ...stack.auth({ sub: 'noah' }), 'x-tenant-id': 'no-such-tenant' } })
  t.equal(notIn.statusCode, 403)
  t.same(missing.json(), notIn.json(), 'an unknown tenant answers exactly like a tenant one is not in')
  const invited = await app.inject({ url: '/orders', headers: mia({ 'x-tenant-id': C }) })
  t.equal(invited.statusCode, 403, 'a pending invitation opens nothing')
  t.equal((await stack.ddb.item(keys.membership(C, 'mia')))?.status, 'invited', 'and is not accepted by the attempt')
})

t.test('a malformed X-Tenant-Id is 400', async t => {
  for (const value of ['a#b', 'x'.repeat(65), '../a']) {
    const res = await app.inject({ url: '/orders', headers: mia({ 'x-tenant-id': value }) })
    t.equal(res.statusCode, 400, value)
    t.match(res.json(), { status: 400, detail: /X-Tenant-Id/ })
  }
})

t.test('the header wins over the token claim, and a membership confirms either', async t => {
  const claimA = stack.auth({ sub: 'mia', tenantId: A })
  t.equal((await app.inject({ url: '/users', headers: claimA })).statusCode, 200, 'the claim picks A')
  t.equal((await app.inject({ url: '/users', headers: { ...claimA, 'x-tenant-id': B } })).statusCode, 403, 'the header picks B, where mia is no admin')
  t.equal((await app.inject({ url: '/orders', headers: stack.auth({ sub: 'mia', tenantId: 'tenant-z' }) })).statusCode, 403, 'a claim without a membership')
})

t.test('GET /me: the chosen tenant with its groups, and every active membership', async t => {
  const none = (await app.inject({ url: '/me', headers: mia() })).json()
  t.match(none, { userId: 'mia', tenantId: null, groups: [] })
  t.same(none.tenants, [
    { tenantId: A, name: `Tenant ${A}`, groups: ['admins'] },
    { tenantId: B, name: `Tenant ${B}`, groups: ['members'] }
  ], 'active memberships only: not the invitation to C')
  const inB = (await app.inject({ url: '/me', headers: mia({ 'x-tenant-id': B }) })).json()
  t.match(inB, { tenantId: B, groups: ['members'] })
  t.equal(inB.tenants.length, 2)
  // A platform admin with no membership: no tenant, an empty list, no error.
  t.match((await app.inject({ url: '/me', headers: stack.auth({ sub: 'ops', groups: ['platform-admins'] }) })).json(), { tenantId: null, groups: [], tenants: [] })
})

t.test('PUT /me/default-tenant: only a tenant the caller can act in', async t => {
  const put = async (tenantId: string) => await app.inject({ method: 'PUT', url: '/me/default-tenant', headers: mia(), payload: { tenantId } })
  t.equal((await put(B)).statusCode, 204)
  t.match(await stack.ddb.item(keys.userProfile('mia')), { defaultTenantId: B })
  t.equal((await put(C)).statusCode, 403, 'an invitation not accepted')
  t.equal((await put('no-such-tenant')).statusCode, 403, 'a tenant that does not exist: the same answer')
  t.equal((await put('a#b')).statusCode, 400, 'malformed')
  t.match(await stack.ddb.item(keys.userProfile('mia')), { defaultTenantId: B }, 'refusals changed nothing')
})

t.test('an invitation that created the account is accepted by the first request, unless it expired (410)', async t => {
  await stack.member(A, 'nina', ['members'], 'invited', { invitedAt: inPast, invitedBy: 'mia', expiresAt: inFuture, createdUser: true })
  t.equal((await app.inject({ url: '/orders', headers: stack.auth({ sub: 'nina' }) })).statusCode, 200)
  t.equal((await stack.ddb.item(keys.membership(A, 'nina')))?.status, 'active')
  await stack.member(A, 'otto', ['members'], 'invited', { invitedAt: inPast, invitedBy: 'mia', expiresAt: inPast, createdUser: true })
  for (const url of ['/orders', '/me']) {
    const res = await app.inject({ url, headers: stack.auth({ sub: 'otto' }) })
    t.equal(res.statusCode, 410, url)
    t.match(res.json(), { status: 410, code: 'APP_INVITATION_EXPIRED' })
  }
  t.equal((await stack.ddb.item(keys.membership(A, 'otto')))?.status, 'invited', 'not accepted')
})

t.test('CORS lets a browser send X-Tenant-Id', async t => {
  const res = await app.inject({
    method: 'OPTIONS',
    url: '/orders',
    headers: { origin: 'https://console.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-tenant-id' }
  })
  t.match(String(res.headers['access-control-allow-headers']), /x-tenant-id/)
})
