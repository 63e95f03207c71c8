// An address, a membership and an admin seat belong to whom they say: moved addresses, invitation-only tenants, admin
// seats, orphan accounts, GET /me, and the account counts that make "the last membership" race-free. Against
// cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t from 'tap'
import { AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider'
import { keys } from '../../src/repositories/keys.js'
import { RATE_LIMIT_MIDDLEWARE } from '../../src/cognito/user-pool.js'
import { inTenant, startOrg, uniq, type Auth } from '../helpers/org.js'

const { stack, services, item, app, operator, cognitoUser, onboard, invite, accepted } = await startOrg(t)

/** A person invited into `auth`'s tenant who has chosen a password and made a first request (active there). */
async function member (auth: Auth, email = `p-${uniq()}@example.com`) {
  const { userId } = await invite(auth, email)
  return await accepted({ email, userId })
}

/** Runs `fn` just before the app's next call of Cognito operation `op` goes out (once). */
function beforeNext (op: string, fn: () => Promise<void>) {
  let armed = true
  const name = `before-${op}-${uniq()}`
  const middleware = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    if (armed && context.commandName === `${op}Command`) { armed = false; await fn() }
    return await next(args)
  }
  app.cognito.client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: RATE_LIMIT_MIDDLEWARE, name } as never)
  return () => app.cognito.client.middlewareStack.remove(name)
}

t.test('an address whose account moved to another email: an invite of it invites a new person; the moved account never sees it', async t => {
  const a = await onboard()
  const b = await onboard()
  const mover = await member(a.auth)
  const newAddress = `moved-${uniq()}@example.com`
  // The person changes their account's email and verifies it (in Cognito; the API is not told).
  await services.cognitoClient.send(new AdminUpdateUserAttributesCommand({
    UserPoolId: services.userPoolId,
    Username: mover.userId,
    UserAttributes: [{ Name: 'email', Value: newAddress }, { Name: 'email_verified', Value: 'true' }]
  }))
  t.match(await item(keys.emailClaim(mover.email)), { userId: mover.userId }, 'the old address\'s record still names the moved account')

  const invited = await invite(b.auth, mover.email, ['admins'])
  t.not(invited.userId, mover.userId, 'a new person: the record was stale')
  t.match(await cognitoUser(invited.userId), { email: mover.email, status: 'FORCE_CHANGE_PASSWORD' })
  t.match(await item(keys.emailClaim(mover.email)), { status: 'user', userId: invited.userId }, 'the record replaced')
  t.same((await app.inject({ url: '/me/invitations', headers: mover.token })).json().items, [], 'the moved account sees no invitation')
  t.equal((await app.inject({ url: '/orders', headers: inTenant(mover.token, b.tenantId) })).statusCode, 403, 'and has no way into B')
  t.equal(await item(keys.membership(b.tenantId, mover.userId)), null)
})

t.test('a tenant with only a pending invitation cannot change the person\'s Cognito account; A\'s disable stays in force', async t => {
  const a = await onboard()
  const b = await onboard()
  const carol = await member(a.auth)
  await invite(b.auth, carol.email)
  t.match(await item(keys.membership(b.tenantId, carol.userId)), { status: 'invited', invitation: { createdUser: false } })

  const patch = (auth: { authorization: string }, status: string) => app.inject({ method: 'PATCH', url: `/users/${carol.userId}`, headers: auth, payload: { status } })
  t.equal((await patch(b.auth, 'disabled')).statusCode, 409, 'B cannot disable her')
  t.match(await cognitoUser(carol.userId), { enabled: true })
  t.equal((await patch(a.auth, 'disabled')).statusCode, 200, 'A disables her membership')
  t.equal((await patch(b.auth, 'active')).statusCode, 409, 'B cannot enable her')
  t.match(await item(keys.membership(a.tenantId, carol.userId)), { status: 'disabled' }, 'A\'s disable stands')
  t.ok([401, 403].includes((await app.inject({ url: '/orders', headers: inTenant(carol.token, a.tenantId) })).statusCode), 'refused in A')

  // B's invitation is live, so the account stays enabled (she can still accept or decline it). Revoked: none is left.
  t.match(await cognitoUser(carol.userId), { enabled: true }, 'a live invitation elsewhere keeps the account enabled')
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${carol.userId}`, headers: b.auth })).statusCode, 204, 'B may revoke its invitation')
  t.match(await cognitoUser(carol.userId), { enabled: false }, 'no live membership left: disabled')
  t.ok(await item(keys.membership(a.tenantId, carol.userId)), 'A\'s membership is untouched by B')
  t.equal((await patch(a.auth, 'active')).statusCode, 200, 'A, which holds her, re-enables her')
  t.match(await cognitoUser(carol.userId), { enabled: true })
})

t.test('admin seats: only active admins count; the only active admin cannot step down while another is only invited', async t => {
  const a = await onboard()
  const invitedAdmin = await invite(a.auth, `next-admin-${uniq()}@example.com`, ['admins'])
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 })
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${a.adminId}/groups/admins`, headers: a.auth })).statusCode, 409, 'cannot step down')
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${a.adminId}`, headers: a.auth })).statusCode, 409, 'nor leave')
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${invitedAdmin.userId}`, headers: a.auth })).statusCode, 204, 'the invitation can be revoked')
})

t.test('an operator restores a tenant\'s administration: promotes a member, or invites an admin; audited', async t => {
  const a = await onboard()
  const m = await member(a.auth)
  const appoint = (tenantId: string, email: string, headers = operator) => app.inject({ method: 'POST', url: `/tenants/${tenantId}/admins`, headers, payload: { email } })
  const promoted = await appoint(a.tenantId, m.email)
  t.equal(promoted.statusCode, 200, promoted.body)
  t.match(promoted.json(), { userId: m.userId, groups: ['admins', 'members'], status: 'active' })
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 2 })
  t.equal((await app.inject({ url: '/users', headers: m.token })).statusCode, 200, 'the member now administers the tenant')

  const fresh = `appointed-${uniq()}@example.com`
  const invited = await appoint(a.tenantId, fresh)
  t.equal(invited.statusCode, 201)
  t.match(invited.json(), { email: fresh, groups: ['admins'], status: 'invited' })
  const audit = (await app.inject({ url: '/audit?limit=2', headers: a.auth })).json().items as Array<{ action: string, actor: string }>
  t.match(audit, [{ action: 'user.invited' }, { action: 'user.group_added' }])
  t.ok(audit.every(e => e.actor !== a.adminId), 'the operator is the actor')

  t.equal((await appoint('no-such-tenant', fresh)).statusCode, 404)
  t.equal((await appoint(a.tenantId, fresh, a.auth)).statusCode, 403, 'operators only')
})

t.test('revoking a signed-in invitee\'s only invitation leaves no Cognito account', async t => {
  const a = await onboard()
  const email = `signed-in-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email)
  await stack.activate(email, userId) // chose a password and signed in, never called the API
  t.match(await cognitoUser(userId), { status: 'CONFIRMED' })
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${userId}`, headers: a.auth })).statusCode, 204)
  t.equal(await cognitoUser(userId), null, 'no membership left: no account')
  t.equal(await item(keys.emailClaim(email)), null)
  t.equal(await item(keys.account(userId)), null)
})

t.test('declining one\'s last membership ends the account too; an earlier membership keeps it', async t => {
  const a = await onboard()
  const b = await onboard()
  const person = await member(a.auth)
  await invite(b.auth, person.email)
  t.equal((await app.inject({ method: 'DELETE', url: `/me/invitations/${b.tenantId}`, headers: person.token })).statusCode, 204)
  t.ok(await cognitoUser(person.userId), 'a member of A: the account stays')
  t.match(await item(keys.account(person.userId)), { memberships: 1, live: 1 })
})

t.test('GET /me shows a platform admin\'s role and every caller\'s email', async t => {
  const me = (await app.inject({ url: '/me', headers: operator })).json()
  t.same(me.platformRoles, ['platform-admins'])
  t.match(me.email, /^operator-.*@example\.com$/)
  const a = await onboard()
  const own = (await app.inject({ url: '/me', headers: a.auth })).json()
  t.same(own.platformRoles, [])
  t.equal(own.email, a.adminEmail, 'the account\'s address, with no tenant chosen')
})

t.test('a removal of the last membership racing another tenant\'s invite never leaves an invitation to a deleted account', async t => {
  const a = await onboard()
  const b = await onboard()
  const person = await member(a.auth)
  let raced: { statusCode: number, body: string } | undefined
  // Just before the removal deletes the account in Cognito, B invites the same address.
  const disarm = beforeNext('AdminDeleteUser', async () => {
    raced = await app.inject({ method: 'POST', url: '/users', headers: b.auth, payload: { email: person.email } })
  })
  t.teardown(disarm)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${person.userId}`, headers: a.auth })).statusCode, 204)
  t.ok(raced, 'the invite ran in between')
  t.equal(raced?.statusCode, 409, 'refused: the account is being deleted (retry)')
  const retried = await invite(b.auth, person.email)
  t.not(retried.userId, person.userId, 'the retry invites a new account')
  // Whatever happened, every invitation B holds for the address names an account that exists.
  for (const userId of [person.userId, retried.userId]) {
    if (await item(keys.membership(b.tenantId, userId))) t.ok(await cognitoUser(userId), `B's membership ${userId} has its account`)
  }
  t.equal(await cognitoUser(person.userId), null)
  t.match(await item(keys.account(retried.userId)), { memberships: 1, live: 1 })
})

t.test('account counts follow every path: invite, accept, disable, enable, decline, removal', async t => {
  const a = await onboard()
  const b = await onboard()
  const p = await member(a.auth)
  const counts = async () => { const acc = await item(keys.account(p.userId)); return { memberships: acc?.memberships, live: acc?.live } }
  t.same(await counts(), { memberships: 1, live: 1 })
  await invite(b.auth, p.email)
  t.same(await counts(), { memberships: 2, live: 2 }, 'an invitation is live')
  t.equal((await app.inject({ method: 'PATCH', url: `/users/${p.userId}`, headers: a.auth, payload: { status: 'disabled' } })).statusCode, 200)
  t.same(await counts(), { memberships: 2, live: 1 })
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: p.token })).statusCode, 200)
  t.same(await counts(), { memberships: 2, live: 1 }, 'accepting keeps it live')
  t.equal((await app.inject({ method: 'PATCH', url: `/users/${p.userId}`, headers: a.auth, payload: { status: 'active' } })).statusCode, 200)
  t.same(await counts(), { memberships: 2, live: 2 })
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${p.userId}`, headers: b.auth })).statusCode, 204)
  t.same(await counts(), { memberships: 1, live: 1 })
})

t.test('tenant names: control and bidirectional characters are refused with the reason', async t => {
  for (const name of ['Acme\u0000', 'Acme\u001b[31m', 'Acme\u202Egnp.exe', 'Line\nbreak', '   ']) {
    const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail: `n-${uniq()}@example.com` } })
    t.equal(res.statusCode, 400, JSON.stringify(name))
    t.match(res.json().errors?.[0]?.message ?? '', /control or bidirectional/)
  }
  const ok = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: 'Société Générale — Zürich 東京', adminEmail: `n-${uniq()}@example.com` } })
  t.equal(ok.statusCode, 201, 'printable Unicode is fine')
})
