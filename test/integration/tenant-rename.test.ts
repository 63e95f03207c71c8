// PATCH /tenant: a tenant's own admin renames it (audited, by address), within the request's tenant only; the name
// rules are the operators'; members, operators and other tenants' admins change nothing.
import t from 'tap'
import { A, B, seedTwoTenants, startStack } from '../helpers/tenancy.js'
import { keys } from '../../src/repositories/keys.js'

const stack = await startStack(t, [A, B])
const { alice, member, bob, ops } = await seedTwoTenants(stack)
const app = await stack.app(t)
const nameOf = async (tenantId: string) => (await stack.ddb.item(keys.tenant(tenantId)))?.name
const rename = async (headers: Record<string, string>, payload: unknown) => await app.inject({ method: 'PATCH', url: '/tenant', headers, payload: payload as object })

t.test('an admin renames their own tenant; GET /me and the audit trail show it', async t => {
  const res = await rename(alice, { name: 'Alpha Works' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { tenantId: A, name: 'Alpha Works', status: 'active' })
  t.equal(await nameOf(A), 'Alpha Works')
  t.equal(await nameOf(B), `Tenant ${B}`, 'the other tenant is untouched')
  const me = await app.inject({ url: '/me', headers: alice })
  t.match(me.json().tenants, [{ tenantId: A, name: 'Alpha Works' }], 'this instance shows the new name at once')
  const audit = await app.inject({ url: '/audit?limit=1', headers: alice })
  t.match(audit.json().items, [{ action: 'tenant.updated', actor: 'alice', actorEmail: 'alice@example.com', target: A, details: { name: { from: `Tenant ${A}`, to: 'Alpha Works' } } }])
  const same = await rename(alice, { name: 'Alpha Works' })
  t.equal(same.statusCode, 200, 'the same name again is a no-op')
  t.equal((await app.inject({ url: '/audit?limit=10', headers: alice })).json().items.filter((e: { action: string }) => e.action === 'tenant.updated').length, 1, 'and is not audited')
})

t.test('the tenant is the request\'s: X-Tenant-Id of another tenant is refused, a body tenantId is a 400', async t => {
  t.equal((await rename({ ...alice, 'x-tenant-id': B }, { name: 'Hijack' })).statusCode, 403)
  t.equal((await rename(alice, { name: 'X', tenantId: B })).statusCode, 400)
  t.equal((await rename(alice, { name: 'X', status: 'suspended' })).statusCode, 400, 'status stays with operators')
  t.equal(await nameOf(B), `Tenant ${B}`)
})

t.test('the operators\' name rules; problem+json, never a 500', async t => {
  for (const name of ['', '   ', 'a\nb', 'evil\u202Eeman', 'x'.repeat(101)]) {
    const res = await rename(alice, { name })
    t.equal(res.statusCode, 400, JSON.stringify(name))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  t.equal((await rename(alice, {})).statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: '/tenant', headers: { ...alice, 'content-type': 'application/json' }, payload: '{' })).statusCode, 400)
})

t.test('who may: members 403, operators without a tenant 403, no token 401', async t => {
  t.equal((await rename(member, { name: 'By member' })).statusCode, 403)
  t.equal((await rename(ops, { name: 'By operator' })).statusCode, 403)
  t.equal((await rename({}, { name: 'Anon' })).statusCode, 401)
  t.equal((await rename(bob, { name: 'Bravo' })).statusCode, 200, 'bob renames his own')
  t.equal(await nameOf(A), 'Alpha Works')
})
