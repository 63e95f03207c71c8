// The membership lifecycle end to end: removal and disable (refused at once), re-enable, their audit entries, and each
// interrupted and retried. Against cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t, { type Test } from 'tap'
import { keys } from '../../src/repositories/keys.js'
import { failCognitoOnce, recordCognitoCalls } from '../helpers/users-stack.js'
import { entryOf, startOrg } from '../helpers/org.js'

const { stack, item, app, cognitoUser, onboard, inviteNew, auditFor, auditItems } = await startOrg(t)

t.test('a removed member is refused at once; Cognito user, membership and claim are gone, the audit keeps it', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const token = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 200, 'cached as a member now')
  const rec = recordCognitoCalls(app.cognito)
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 204)
  t.same(rec.calls.map(c => c.op), ['AdminListGroupsForUser', 'AdminDeleteUser'], 'no other membership, no platform admin: deleted (which ends its sessions), no separate sign-out')
  const after = await app.inject({ method: 'GET', url: '/orders', headers: token })
  t.ok([401, 403].includes(after.statusCode), `refused (${after.statusCode})`)
  t.equal(await cognitoUser(m.userId), null)
  t.equal(await item(keys.membership(a.tenantId, m.userId)), null)
  t.equal(await item(keys.emailClaim(m.email)), null, 'the address is free again')
  const audit = await app.inject({ method: 'GET', url: '/audit?limit=1', headers: a.auth })
  t.match(audit.json().items[0], { action: 'user.removed', target: m.userId, actor: a.adminId, details: { email: m.email } })
  t.equal((await app.inject({ method: 'GET', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 404)
})

t.test('a disabled member is refused; re-enabled, let back in', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const token = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 200)
  const off = await app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status: 'disabled' } })
  t.equal(off.statusCode, 200)
  t.match(off.json(), { status: 'disabled' })
  t.match(await cognitoUser(m.userId), { enabled: false })
  t.ok([401, 403].includes((await app.inject({ method: 'GET', url: '/orders', headers: token })).statusCode))
  const on = await app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status: 'active' } })
  t.match(on.json(), { status: 'active' })
  t.match(await cognitoUser(m.userId), { enabled: true })
  // The session from before the suspension stays dead (its token is still cryptographically valid): sign in again.
  const stale = await app.inject({ method: 'GET', url: '/orders', headers: token })
  t.equal(stale.statusCode, 401)
  t.match(stale.headers['www-authenticate'], /error="invalid_token"/)
  await new Promise(resolve => setTimeout(resolve, 1100))
  const fresh = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: fresh })).statusCode, 200)
})

t.test('disable and enable are audited once each, without details; repeating either changes nothing and is not audited', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const patch = (status: string) => app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status } })

  /** Setting `status` writes one entry without details; a repeat answers `after`, writes none, and Cognito has `enabled`. */
  async function auditedOnce (status: string, action: string, after: string, enabled: boolean) {
    t.equal((await patch(status)).statusCode, 200, action)
    const entries = await auditFor(a.auth, m.userId, action)
    t.equal(entries.length, 1)
    t.same(entryOf(t, entries[0]), { actor: a.adminId, actorEmail: a.adminEmail, action, summary: `${action === 'user.disabled' ? 'disabled' : 'enabled'} ${m.email}`, target: m.userId, targetEmail: m.email })
    // A repeat: no Cognito call (see the call-count test), the membership is unchanged, nothing is audited.
    const again = await patch(status)
    t.equal(again.statusCode, 200, `a repeated ${action} succeeds`)
    t.match(again.json(), { status: after })
    t.equal((await auditFor(a.auth, m.userId, action)).length, 1, 'and is not audited again')
    t.match(await cognitoUser(m.userId), { enabled })
  }
  await auditedOnce('disabled', 'user.disabled', 'disabled', false)
  // Re-enabled, the member is back at the status from before the disable (invited: never signed in).
  await auditedOnce('active', 'user.enabled', 'invited', true)

  t.same((await auditFor(a.auth, m.userId)).map(e => e.action), ['user.enabled', 'user.disabled', 'user.invited'], 'nothing else about the user, newest first')
})

t.test('a removal interrupted before Cognito: refused meanwhile, completed by a retry', async t => {
  const faulty = await stack.app(t)
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const token = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await faulty.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 200, 'an active member (the first request accepted the invitation)')
  failCognitoOnce(faulty.cognito, 'AdminDeleteUser')
  t.equal((await faulty.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 500)
  t.match(await item(keys.membership(a.tenantId, m.userId)), { removing: true, status: 'disabled' })
  t.match((await auditItems(a.tenantId)).filter(i => i.action === 'user.removed'), [{ target: m.userId, actor: a.adminId }], 'audited with the decision, before any retry')
  t.ok(await cognitoUser(m.userId))
  t.equal((await faulty.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 403)
  t.equal((await faulty.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 204)
  t.equal(await cognitoUser(m.userId), null)
  t.equal(await item(keys.membership(a.tenantId, m.userId)), null)
  t.equal(await item(keys.emailClaim(m.email)), null, 'the address is free again')
  t.equal((await auditItems(a.tenantId)).filter(i => i.action === 'user.removed').length, 1, 'and once only after the retry')
})

/** A crash inside a Cognito call, on a separate app so the shared one keeps a clean client: a 500 without details. */
async function appFailingAt (t: Test, failing: string) {
  const faulty = await stack.app(t)
  const state = { fail: true }
  const rec = recordCognitoCalls(faulty.cognito, op => { if (state.fail && op === failing) throw new Error(`crash at ${failing}`) })
  return { faulty, state, rec }
}
function assertBareServerError (t: Test, res: { statusCode: number, headers: Record<string, unknown>, body: string, json: () => unknown }) {
  t.equal(res.statusCode, 500, res.body)
  t.match(res.headers['content-type'], /problem\+json/)
  t.same(Object.keys(res.json() as object).sort(), ['instance', 'status', 'title', 'type'], 'no detail')
  t.notMatch(res.body, /crash/)
}

t.test('a disable interrupted in Cognito: the membership is already disabled, a retry completes it, audited once', async t => {
  // Each Cognito step of a disable, the sign-out and the AdminDisableUser after it, fails in turn.
  for (const failing of ['AdminUserGlobalSignOut', 'AdminDisableUser']) {
    await t.test(`crash at ${failing}`, async t => {
      const a = await onboard()
      const m = await inviteNew(a.auth, ['admins', 'members'])
      const adminCount = async () => (await item(keys.tenant(a.tenantId)))?.adminCount
      const { faulty, state, rec } = await appFailingAt(t, failing)
      const disable = () => faulty.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status: 'disabled' } })

      assertBareServerError(t, await disable())
      t.same(rec.attempts.map(c => c.op), ['AdminListGroupsForUser', 'AdminGetUser', 'AdminUserGlobalSignOut', 'AdminDisableUser'].slice(0, failing === 'AdminDisableUser' ? 4 : 3))
      // In between: DynamoDB has the disable (membership, admin count, audit entry); Cognito still lets the user in.
      const between = await item(keys.membership(a.tenantId, m.userId))
      t.match(between, { status: 'disabled', statusBeforeDisable: 'invited', tokensValidAfter: Number, cognitoPending: 'sync' })
      t.equal(await adminCount(), 1, 'the invited admin never counted')
      t.equal((await auditFor(a.auth, m.userId, 'user.disabled')).length, 1, 'audited with the membership change')
      t.match(await cognitoUser(m.userId), { enabled: true })

      state.fail = false
      rec.reset()
      const retry = await disable()
      t.equal(retry.statusCode, 200, 'the same request retried')
      t.match(retry.json(), { status: 'disabled' })
      t.same(rec.calls.map(c => c.op), ['AdminListGroupsForUser', 'AdminGetUser', 'AdminUserGlobalSignOut', 'AdminDisableUser'], 'the retry repeats the Cognito calls')
      t.match(await cognitoUser(m.userId), { enabled: false })
      const { cognitoPending: _pending, ...done } = between ?? {}
      t.same(await item(keys.membership(a.tenantId, m.userId)), done, 'the membership is left as the first attempt wrote it, Cognito no longer pending')
      t.equal(await adminCount(), 1, 'not decremented twice')
      const entries = await auditFor(a.auth, m.userId, 'user.disabled')
      t.equal(entries.length, 1, 'audited once only after the retry')
      t.same(entryOf(t, entries[0]), { actor: a.adminId, actorEmail: a.adminEmail, action: 'user.disabled', summary: `disabled ${m.email}`, target: m.userId, targetEmail: m.email })
    })
  }
})
