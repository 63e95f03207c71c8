// One person, many tenants, end to end against cognito-local (behind src/local/cognito-shim) and DynamoDB Local:
// invitations by several tenants (accept, decline, expiry, resend, revoke), removal and disable in one tenant only,
// concurrent invites of one address, and the OpenAPI description of /me/invitations.
import t from 'tap'
import { keys } from '../../src/repositories/keys.js'
import { recordCognitoCalls } from '../helpers/users-stack.js'
import { inTenant, sleep, startOrg, uniq } from '../helpers/org.js'

const { stack, item, app, cognitoUser, usersWithEmail, onboard, invite } = await startOrg(t)
// Invitations that expire after one second (the same table and pool: another instance of the same API).
const shortLived = await stack.app(t, { INVITATION_TTL_SECONDS: '1' })

t.test('one address invited by two tenants: one account, both accepted, GET /me lists both with their own groups', async t => {
  const a = await onboard()
  const b = await onboard()
  const email = `person-${uniq()}@example.com`
  const first = await invite(a.auth, email, ['members'])
  t.match(first, { status: 'invited', invitation: { expiresAt: String } })
  t.ok(Date.parse(first.invitation.expiresAt) > Date.now() + 6 * 86_400_000, 'a week by default')
  const person = stack.bearer(await stack.activate(email, first.userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200, 'the first request accepts the invitation that created the account')

  const second = await invite(b.auth, email, ['admins'])
  t.equal(second.userId, first.userId, 'the same person')
  t.equal((await usersWithEmail(email)).length, 1, 'one Cognito user')
  t.match(await item(keys.membership(b.tenantId, first.userId)), { status: 'invited', invitation: { createdUser: false, invitedBy: b.adminId } })
  t.match(await cognitoUser(first.userId), { tenantId: a.tenantId }, 'home tenant: the one whose invitation created the account')

  t.equal((await app.inject({ url: '/users', headers: inTenant(person, b.tenantId) })).statusCode, 403, 'pending: opens nothing')
  const listed = await app.inject({ url: '/me/invitations', headers: person })
  t.equal(listed.statusCode, 200)
  t.same(listed.json().items, [{ tenantId: b.tenantId, name: b.name, groups: ['admins'], invitedAt: listed.json().items[0].invitedAt, expiresAt: second.invitation.expiresAt, invitedBy: b.adminId }])

  const accepted = await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: person })
  t.equal(accepted.statusCode, 200, accepted.body)
  t.same(accepted.json(), { tenantId: b.tenantId, name: b.name, groups: ['admins'], status: 'active' })
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: person })).statusCode, 404, 'nothing left to accept')
  t.same((await app.inject({ url: '/me/invitations', headers: person })).json().items, [])

  const me = (await app.inject({ url: '/me', headers: inTenant(person, b.tenantId) })).json()
  t.match(me, { tenantId: b.tenantId, groups: ['admins'] })
  t.same(me.tenants.map((x: { tenantId: string, groups: string[] }) => [x.tenantId, x.groups]).sort(), [[a.tenantId, ['members']], [b.tenantId, ['admins']]].sort())
  t.equal((await app.inject({ url: '/users', headers: inTenant(person, b.tenantId) })).statusCode, 200, 'admin in B')
  t.equal((await app.inject({ url: '/users', headers: inTenant(person, a.tenantId) })).statusCode, 403, 'member in A')
  const audit = await app.inject({ url: '/audit?limit=1', headers: b.auth })
  t.match(audit.json().items[0], { action: 'user.invitation_accepted', actor: first.userId, target: first.userId })
})

t.test('decline: the membership goes, audited in that tenant; the account and other tenants stay', async t => {
  const a = await onboard()
  const c = await onboard()
  const email = `decliner-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email)
  const person = stack.bearer(await stack.activate(email, userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200)
  await invite(c.auth, email, ['admins'])
  t.match(await item(keys.tenant(c.tenantId)), { adminCount: 1 }, 'an invited admin does not count')
  const res = await app.inject({ method: 'DELETE', url: `/me/invitations/${c.tenantId}`, headers: person })
  t.equal(res.statusCode, 204)
  t.equal(await item(keys.membership(c.tenantId, userId)), null)
  t.match(await item(keys.tenant(c.tenantId)), { adminCount: 1 })
  t.match((await app.inject({ url: '/audit?limit=1', headers: c.auth })).json().items[0], { action: 'user.invitation_declined', actor: userId, target: userId })
  t.ok(await cognitoUser(userId), 'the account stays')
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200, 'A still works')
  t.equal((await app.inject({ method: 'DELETE', url: `/me/invitations/${c.tenantId}`, headers: person })).statusCode, 404, 'nothing left to decline')
  t.equal((await app.inject({ method: 'DELETE', url: `/me/invitations/${a.tenantId}`, headers: person })).statusCode, 404, 'an active membership is no invitation')
  t.equal((await app.inject({ method: 'POST', url: '/me/invitations/no-such-tenant', headers: person })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/me/invitations/a%23b', headers: person })).statusCode, 400)
  t.equal((await app.inject({ url: '/me/invitations' })).statusCode, 401)
})

t.test('expiry: 410 once expired, unlisted; admins see expired: true; a resend renews it and it can be accepted', async t => {
  const a = await onboard()
  const d = await onboard()
  const email = `late-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email)
  const person = stack.bearer(await stack.activate(email, userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200)
  const sent = await invite(d.auth, email, ['members'], shortLived)
  await sleep(1100)
  t.same((await app.inject({ url: '/me/invitations', headers: person })).json().items, [], 'an expired invitation is not listed')
  const late = await app.inject({ method: 'POST', url: `/me/invitations/${d.tenantId}`, headers: person })
  t.equal(late.statusCode, 410)
  t.match(late.headers['content-type'], /problem\+json/)
  t.match(late.json(), { status: 410, code: 'APP_INVITATION_EXPIRED' })
  const seen = (await app.inject({ url: `/users/${userId}`, headers: d.auth })).json()
  t.same(seen.invitation, { expiresAt: sent.invitation.expiresAt, expired: true })
  t.match((await app.inject({ url: '/users?limit=100', headers: d.auth })).json().items.find((u: { userId: string }) => u.userId === userId), { invitation: { expired: true } }, 'the listing says the same')

  const rec = recordCognitoCalls(app.cognito)
  const resent = await app.inject({ method: 'POST', url: `/users/${userId}/invitation`, headers: d.auth })
  t.equal(resent.statusCode, 202)
  t.ok(Date.parse(resent.json().invitation.expiresAt) > Date.now() + 86_400_000, 'renewed from now')
  t.same(rec.calls.map(c => c.op), ['AdminGetUser'], 'no temporary password for an existing account')
  t.same((await app.inject({ url: `/users/${userId}`, headers: d.auth })).json().invitation, { expiresAt: resent.json().invitation.expiresAt })
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${d.tenantId}`, headers: person })).statusCode, 200)
})

t.test('expiry of an invitation that created the account: the first request is 410; a resend renews it and resends the password', async t => {
  const a = await onboard()
  const email = `new-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email, ['members'], shortLived)
  await sleep(1100)
  const rec = recordCognitoCalls(app.cognito)
  const resent = await app.inject({ method: 'POST', url: `/users/${userId}/invitation`, headers: a.auth })
  t.equal(resent.statusCode, 202)
  t.same(rec.calls.map(c => c.op), ['AdminGetUser', 'AdminCreateUser'], 'never signed in: RESEND (answered by the shim, as Cognito documents it)')
  const person = stack.bearer(await stack.activate(email, userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200, 'accepted by the first request')

  const other = `new-${uniq()}@example.com`
  const expired = await invite(a.auth, other, ['members'], shortLived)
  await sleep(1100)
  const res = await app.inject({ url: '/orders', headers: stack.bearer(await stack.activate(other, expired.userId)) })
  t.equal(res.statusCode, 410)
  t.match(res.json(), { code: 'APP_INVITATION_EXPIRED' })
})

t.test('revoke: a pending invitation goes; the account only if this invitation created it and nobody signed in', async t => {
  const a = await onboard()
  const e = await onboard()
  const fresh = `fresh-${uniq()}@example.com`
  const created = await invite(a.auth, fresh)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${created.userId}`, headers: a.auth })).statusCode, 204)
  t.equal(await cognitoUser(created.userId), null, 'created by this invitation, never signed in: deleted')
  t.equal(await item(keys.emailClaim(fresh)), null, 'the address is free again')
  t.match((await app.inject({ url: '/audit?limit=1', headers: a.auth })).json().items[0], { action: 'user.invitation_revoked', target: created.userId })

  // The existing account of E's admin, invited into A and revoked: the account stays.
  const existing = (await app.inject({ url: '/me', headers: e.auth })).json() as { userId: string, email: string }
  const pending = await invite(a.auth, existing.email)
  t.equal(pending.userId, e.adminId)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${e.adminId}`, headers: a.auth })).statusCode, 204)
  t.equal(await item(keys.membership(a.tenantId, e.adminId)), null)
  t.ok(await cognitoUser(e.adminId), 'the account stays')
  t.equal((await app.inject({ url: '/users', headers: e.auth })).statusCode, 200, 'and its tenant works')
})

t.test('removal from A keeps B working and the account; removal from the last tenant deletes the account', async t => {
  const a = await onboard()
  const b = await onboard()
  const email = `leaver-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email)
  const person = stack.bearer(await stack.activate(email, userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200)
  await invite(b.auth, email)
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: person })).statusCode, 200)
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person, a.tenantId) })).statusCode, 200, 'cached as a member of A')

  t.equal((await app.inject({ method: 'DELETE', url: `/users/${userId}`, headers: a.auth })).statusCode, 204)
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person, a.tenantId) })).statusCode, 403, 'refused in A at once')
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person, b.tenantId) })).statusCode, 200, 'B still works, same token')
  t.match(await cognitoUser(userId), { enabled: true }, 'the account stays')
  t.match(await item(keys.emailClaim(email)), { status: 'user', userId })

  t.equal((await app.inject({ method: 'DELETE', url: `/users/${userId}`, headers: b.auth })).statusCode, 204)
  t.equal(await cognitoUser(userId), null, 'no membership left: the account is deleted')
  t.equal(await item(keys.emailClaim(email)), null)
  const after = await app.inject({ url: '/orders', headers: person })
  t.ok([401, 403].includes(after.statusCode), `refused (${after.statusCode})`)
})

t.test('disable in A keeps B working and the account enabled; the last active membership disabled disables it', async t => {
  const a = await onboard()
  const b = await onboard()
  const email = `paused-${uniq()}@example.com`
  const { userId } = await invite(a.auth, email)
  const person = stack.bearer(await stack.activate(email, userId))
  t.equal((await app.inject({ url: '/orders', headers: person })).statusCode, 200)
  await invite(b.auth, email)
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${b.tenantId}`, headers: person })).statusCode, 200)

  const rec = recordCognitoCalls(app.cognito)
  t.equal((await app.inject({ method: 'PATCH', url: `/users/${userId}`, headers: a.auth, payload: { status: 'disabled' } })).statusCode, 200)
  t.same(rec.calls.map(c => c.op), ['AdminGetUser'], 'live in B: Cognito only read, never changed')
  t.match(await cognitoUser(userId), { enabled: true })
  t.ok([401, 403].includes((await app.inject({ url: '/orders', headers: inTenant(person, a.tenantId) })).statusCode), 'refused in A')
  t.equal((await app.inject({ url: '/orders', headers: inTenant(person, b.tenantId) })).statusCode, 200, 'B works')
  t.match(await item(keys.membership(b.tenantId, userId)), { status: 'active' }, 'B\'s membership untouched')

  t.equal((await app.inject({ method: 'PATCH', url: `/users/${userId}`, headers: b.auth, payload: { status: 'disabled' } })).statusCode, 200)
  t.match(await cognitoUser(userId), { enabled: false }, 'no active membership left: disabled in Cognito')
  t.equal((await app.inject({ method: 'PATCH', url: `/users/${userId}`, headers: a.auth, payload: { status: 'active' } })).statusCode, 200)
  t.match(await cognitoUser(userId), { enabled: true }, 'enabling in A enables Cognito again')
})

t.test('concurrent invites of one address by two tenants: one Cognito user, two memberships', async t => {
  const a = await onboard()
  const b = await onboard()
  for (let round = 0; round < 3; round++) {
    const email = `race-${uniq()}@example.com`
    const results = await Promise.all([a, b].map(x => app.inject({ method: 'POST', url: '/users', headers: x.auth, payload: { email } })))
    t.same(results.map(r => r.statusCode), [201, 201], results.map(r => r.body).join(' '))
    const [ra, rb] = results.map(r => r.json() as { userId: string })
    t.equal(ra?.userId, rb?.userId, 'the same person')
    t.equal((await usersWithEmail(email)).length, 1, 'one Cognito user')
    const created = await Promise.all([a, b].map(async x => ((await item(keys.membership(x.tenantId, ra!.userId)))?.invitation as { createdUser?: boolean } | undefined)?.createdUser))
    t.same([...created].sort(), [false, true], 'one invitation created the account, the other is pending')
    const home = created[0] === true ? a.tenantId : b.tenantId
    t.match(await cognitoUser(ra!.userId), { tenantId: home }, 'its home tenant is the one whose invitation created it')
    t.match(await item(keys.emailClaim(email)), { status: 'user', userId: ra!.userId })
  }
})

t.test('GET /docs/json describes the invitation routes', async t => {
  const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { tags?: string[], summary?: string, responses?: Record<string, unknown> }>> }
  const routes = [['/me/invitations', 'get', ['200', '401']], ['/me/invitations/{tenantId}', 'post', ['200', '404', '410']], ['/me/invitations/{tenantId}', 'delete', ['204', '404']]] as const
  for (const [path, method, statuses] of routes) {
    const op = doc.paths[path]?.[method]
    t.ok(op?.tags?.length && op.summary, `${method} ${path}: tags and summary`)
    for (const status of statuses) t.ok(op?.responses?.[status], `${method} ${path}: ${status}`)
  }
  t.ok(doc.paths['/users/{userId}']?.get?.responses?.['200'], 'the users routes still there')
})
