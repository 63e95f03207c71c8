// DELETE /me/memberships/:tenantId end to end (cognito-local behind the shim, DynamoDB Local): a person leaves one
// tenant and keeps the others; the last active admin cannot leave; leaving the last tenant deletes the account; a
// pending invitation is declined instead; audited user.left with the person's address.
import t from 'tap'
import { keys } from '../../src/repositories/keys.js'
import { inTenant, startOrg, uniq } from '../helpers/org.js'

const { item, app, cognitoUser, onboard, invite, accepted } = await startOrg(t)
const leave = async (headers: Record<string, string>, tenantId: string) => await app.inject({ method: 'DELETE', url: `/me/memberships/${tenantId}`, headers })

t.test('a member of two tenants leaves one: that membership goes, audited by address; the account and the other stay', async t => {
  const a = await onboard()
  const b = await onboard()
  const email = `leaver-${uniq()}@example.com`
  const person = await accepted({ email, ...(await invite(a.auth, email, ['members'])) })
  await invite(b.auth, email, ['members'])
  t.equal((await leave(person.token, b.tenantId)).statusCode, 409, 'a pending invitation is declined, not left')
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: person.token })).statusCode, 200)
  const res = await leave(person.token, b.tenantId)
  t.equal(res.statusCode, 204, res.body)
  t.equal(await item(keys.membership(b.tenantId, person.userId)), null, 'the membership is gone')
  t.match((await app.inject({ url: '/audit?limit=1', headers: b.auth })).json().items[0], { action: 'user.left', actor: person.userId, actorEmail: email, target: person.userId, targetEmail: email })
  t.ok(await cognitoUser(person.userId), 'the account stays: A still holds it')
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person.token, b.tenantId) })).statusCode, 403, 'refused in B at once')
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person.token, a.tenantId) })).statusCode, 200, 'A still works')
  t.same((await app.inject({ url: '/me', headers: person.token })).json().tenants.map((x: { tenantId: string }) => x.tenantId), [a.tenantId])
  t.equal((await leave(person.token, b.tenantId)).statusCode, 404, 'nothing left to leave')
  t.equal((await leave(person.token, 'no-such-tenant')).statusCode, 404, 'the same for a tenant that does not exist')
  t.equal((await leave(person.token, 'a%23b')).statusCode, 400)
  t.equal((await app.inject({ method: 'DELETE', url: `/me/memberships/${a.tenantId}` })).statusCode, 401)
})

t.test('the last active admin cannot leave (409); once another admin is active, they can', async t => {
  const a = await onboard()
  t.equal((await app.inject({ url: '/orders', headers: a.auth })).statusCode, 200, 'the first admin\'s first request accepts')
  const refused = await leave(a.auth, a.tenantId)
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { code: 'APP_LAST_ADMIN' })
  t.match(await item(keys.membership(a.tenantId, a.adminId)), { status: 'active' }, 'the membership is untouched')
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 })
  const email = `second-${uniq()}@example.com`
  await accepted({ email, ...(await invite(a.auth, email, ['admins'])) })
  t.equal((await leave(a.auth, a.tenantId)).statusCode, 204, 'another admin holds the tenant now')
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 })
})

t.test('leaving the last tenant deletes the account (as a removal does)', async t => {
  const a = await onboard()
  const email = `only-${uniq()}@example.com`
  const person = await accepted({ email, ...(await invite(a.auth, email, ['members'])) })
  t.equal((await leave(person.token, a.tenantId)).statusCode, 204)
  t.equal(await cognitoUser(person.userId), null, 'the Cognito user is gone')
  t.equal(await item(keys.account(person.userId)), null, 'and its account record')
  const trail = (await app.inject({ url: '/audit?limit=5', headers: a.auth })).json().items
  t.match(trail[0], { action: 'user.left', actorEmail: email, targetEmail: email }, 'still named in the trail')
})
