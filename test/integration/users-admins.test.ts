// Groups and admin seats end to end: escalation refused, the last admin kept, group changes in the membership only,
// the admin count, and group changes audited. Against cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t from 'tap'
import { keys } from '../../src/repositories/keys.js'
import { recordCognitoCalls } from '../helpers/users-stack.js'
import { entryOf, startOrg, uniq } from '../helpers/org.js'

const { item, app, cognitoUser, onboard, inviteNew, accepted, auditFor } = await startOrg(t)

t.test('group escalation through the request is refused', async t => {
  const a = await onboard()
  const rec = recordCognitoCalls(app.cognito)
  for (const payload of [
    { email: `e-${uniq()}@example.com`, groups: ['platform-admins'] },
    { email: `e-${uniq()}@example.com`, groups: ['members'], tenantId: 'other' },
    { email: `e-${uniq()}@example.com`, role: 'admin' }
  ]) {
    t.equal((await app.inject({ method: 'POST', url: '/users', headers: a.auth, payload })).statusCode, 400, JSON.stringify(payload))
  }
  t.equal(rec.count(), 0, 'the refused invites reached Cognito not at all')
  const m = await inviteNew(a.auth)
  rec.reset()
  t.equal((await app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/platform-admins`, headers: a.auth })).statusCode, 400)
  t.equal(rec.count(), 0)
  t.same((await cognitoUser(m.userId))?.groups, [])
})

t.test('the last admin cannot be removed, disabled or demoted; with two admins one can go', async t => {
  const a = await onboard()
  const rec = recordCognitoCalls(app.cognito)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${a.adminId}/groups/admins`, headers: a.auth })).statusCode, 409)
  t.equal((await app.inject({ method: 'PATCH', url: `/users/${a.adminId}`, headers: a.auth, payload: { status: 'disabled' } })).statusCode, 409)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${a.adminId}`, headers: a.auth })).statusCode, 409)
  t.equal(rec.count(), 0, 'refused before Cognito')
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 })

  // A second admin, invited: not counted until accepted; then concurrent removal of both admin grants: exactly one wins.
  const second = await inviteNew(a.auth, ['admins', 'members'])
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 }, 'an invited admin does not count')
  await accepted(second)
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 2 })
  const [r1, r2] = await Promise.all([
    app.inject({ method: 'DELETE', url: `/users/${a.adminId}/groups/admins`, headers: a.auth }),
    app.inject({ method: 'DELETE', url: `/users/${second.userId}/groups/admins`, headers: a.auth })
  ])
  t.same([r1.statusCode, r2.statusCode].sort(), [204, 409], 'race-safe')
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 })
})

t.test('group changes change the membership only: no Cognito call, no Cognito group', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const rec = recordCognitoCalls(app.cognito)
  t.equal((await app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/admins`, headers: a.auth })).statusCode, 204)
  t.match(await item(keys.membership(a.tenantId, m.userId)), { groups: ['admins', 'members'] })
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${m.userId}/groups/members`, headers: a.auth })).statusCode, 204)
  t.equal(rec.count(), 0)
  t.same((await cognitoUser(m.userId))?.groups, [])
  t.match(await item(keys.membership(a.tenantId, m.userId)), { groups: ['admins'] })
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 }, 'an invited admin does not count until they accept')
})

t.test('adminCount follows disable, re-enable and grants to a disabled user', async t => {
  const a = await onboard()
  const second = await accepted(await inviteNew(a.auth, ['admins', 'members']))
  const member = await accepted(await inviteNew(a.auth))
  const count = async () => (await item(keys.tenant(a.tenantId)))?.adminCount
  t.equal(await count(), 2, 'active admins count')
  const patch = (userId: string, status: string) => app.inject({ method: 'PATCH', url: `/users/${userId}`, headers: a.auth, payload: { status } })
  t.equal((await patch(second.userId, 'disabled')).statusCode, 200)
  t.equal(await count(), 1, 'a disabled admin does not count')
  t.equal((await patch(second.userId, 'active')).statusCode, 200)
  t.equal(await count(), 2, 'and counts again once re-enabled')
  t.equal((await patch(member.userId, 'disabled')).statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: `/users/${member.userId}/groups/admins`, headers: a.auth })).statusCode, 204)
  t.equal(await count(), 2, 'admins granted to a disabled user: not counted while disabled')
  t.equal((await patch(member.userId, 'active')).statusCode, 200)
  t.equal(await count(), 3, 'counted once enabled')
})

t.test('group grants and revocations are audited once each, with the group; a repeat that changes nothing is not audited', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const put = () => app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/admins`, headers: a.auth })
  const del = () => app.inject({ method: 'DELETE', url: `/users/${m.userId}/groups/admins`, headers: a.auth })

  /** The call writes one entry naming the group; a repeat succeeds, writes none, and Cognito holds `groups`. */
  async function auditedOnce (call: typeof put, action: string, groups: string[]) {
    t.equal((await call()).statusCode, 204, action)
    const entries = await auditFor(a.auth, m.userId, action)
    t.equal(entries.length, 1)
    t.same(entryOf(t, entries[0]), { actor: a.adminId, actorEmail: a.adminEmail, action, summary: `${action === 'user.group_added' ? 'added' : 'removed'} ${m.email} ${action === 'user.group_added' ? 'to' : 'from'} group admins`, target: m.userId, targetEmail: m.email, details: { group: 'admins' } })
    // A repeat: the membership is unchanged, nothing is audited (a repeated revocation asks Cognito again, idempotent).
    t.equal((await call()).statusCode, 204, `a repeated ${action} succeeds`)
    t.equal((await auditFor(a.auth, m.userId, action)).length, 1, 'and is not audited again')
    t.same((await cognitoUser(m.userId))?.groups, groups)
  }
  await auditedOnce(put, 'user.group_added', [])
  await auditedOnce(del, 'user.group_removed', [])

  t.same((await auditFor(a.auth, m.userId)).map(e => e.action), ['user.group_removed', 'user.group_added', 'user.invited'], 'nothing else about the user, newest first')
})
