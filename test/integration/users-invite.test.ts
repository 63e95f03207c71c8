// Inviting users (POST /users) end to end: tenant isolation, resending, throttling and the client-side Cognito budget,
// and an invite interrupted between Cognito and DynamoDB. Against cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t from 'tap'
import { keys } from '../../src/repositories/keys.js'
import { failDynamoOnce, recordCognitoCalls, throttlingError } from '../helpers/users-stack.js'
import { entryOf, startOrg, uniq, type AuditItem } from '../helpers/org.js'

const { stack, item, app, cognitoUser, usersWithEmail, onboard, inviteNew, auditFor } = await startOrg(t)

t.test('tenant A\'s admin can neither see nor change tenant B\'s users, and no Cognito call is made', async t => {
  const a = await onboard()
  const b = await onboard()
  const bMember = await inviteNew(b.auth)
  const rec = recordCognitoCalls(app.cognito)
  const tries = [
    { method: 'GET', url: `/users/${bMember.userId}` },
    { method: 'PUT', url: `/users/${bMember.userId}/groups/admins` },
    { method: 'DELETE', url: `/users/${bMember.userId}/groups/members` },
    { method: 'PATCH', url: `/users/${bMember.userId}`, payload: { status: 'disabled' } },
    { method: 'DELETE', url: `/users/${bMember.userId}` },
    { method: 'POST', url: `/users/${bMember.userId}/invitation` }
  ] as const
  for (const req of tries) {
    const res = await app.inject({ ...req, headers: a.auth })
    t.equal(res.statusCode, 404, `${req.method} ${req.url}`)
  }
  t.equal(rec.count(), 0, 'no Cognito call')

  // B's cursor is refused in A.
  const bPage = await app.inject({ method: 'GET', url: '/users?limit=1', headers: b.auth })
  const cursor = bPage.json().nextCursor as string
  t.ok(cursor)
  t.equal((await app.inject({ method: 'GET', url: `/users?cursor=${cursor}`, headers: a.auth })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/users?cursor=bm9wZQ', headers: a.auth })).statusCode, 400, 'forged')
  const bAudit = await app.inject({ method: 'GET', url: '/audit?limit=1', headers: b.auth })
  t.equal((await app.inject({ method: 'GET', url: `/audit?cursor=${bAudit.json().nextCursor as string}`, headers: a.auth })).statusCode, 400)

  // Inviting B's member into A: the same person (one Cognito user) gets a pending invitation into A; nothing of B is
  // revealed or changed.
  const before = await cognitoUser(bMember.userId)
  const invited = await app.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email: bMember.email } })
  t.equal(invited.statusCode, 201, invited.body)
  t.match(invited.json(), { userId: bMember.userId, status: 'invited', invitation: { expiresAt: String } })
  t.notMatch(invited.body, b.tenantId)
  t.same(await cognitoUser(bMember.userId), before)
  t.equal((await usersWithEmail(bMember.email)).length, 1)
  t.match(await item(keys.membership(a.tenantId, bMember.userId)), { status: 'invited', invitation: { createdUser: false } })
  t.match(await item(keys.membership(b.tenantId, bMember.userId)), { status: 'invited', groups: ['members'] })
  t.same(rec.calls.map(c => c.op), ['AdminGetUser'], 'no Cognito write: only the check that the account is verified')
  rec.reset()
  t.equal((await app.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email: bMember.email } })).statusCode, 409, 'already a member of A now')
  t.equal(rec.count(), 0, 'answered from DynamoDB, without reading Cognito')
})

t.test('resending an invitation: renews it while pending; the temporary password only while the user never signed in', async t => {
  // The shim answers RESEND as Cognito documents it (see src/local/cognito-shim.ts for why a shim and not a mock).
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const rec = recordCognitoCalls(app.cognito)
  const resend = () => app.inject({ method: 'POST', url: `/users/${m.userId}/invitation`, headers: a.auth })
  t.equal((await resend()).statusCode, 202)
  t.same(rec.calls.map(c => c.op), ['AdminGetUser', 'AdminCreateUser'])
  t.ok(stack.shim.answered.includes('AdminCreateUser:RESEND'))
  const token = stack.bearer(await stack.activate(m.email, m.userId))
  rec.reset()
  t.equal((await resend()).statusCode, 202, 'signed in but never used the API: still pending, renewed')
  t.same(rec.calls.map(c => c.op), ['AdminGetUser'], 'no temporary password for someone who chose one')
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 200, 'the first request accepts it')
  t.equal((await resend()).statusCode, 409, 'accepted: nothing to resend')
  t.equal((await app.inject({ method: 'POST', url: `/users/${a.adminId}/invitation`, headers: a.auth })).statusCode, 409)
})

t.test('a resent invitation is audited every time one is sent, with its new expiry; a refused resend is not', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const resend = () => app.inject({ method: 'POST', url: `/users/${m.userId}/invitation`, headers: a.auth })
  const expected = (e: AuditItem) => ({ actor: a.adminId, actorEmail: a.adminEmail, action: 'user.invitation_resent', summary: `resent the invitation to ${m.email}, valid until ${String(e.details?.expiresAt)}`, target: m.userId, targetEmail: m.email, details: { expiresAt: e.details?.expiresAt } })

  const first = await resend()
  t.equal(first.statusCode, 202)
  const sent = await auditFor(a.auth, m.userId, 'user.invitation_resent')
  t.equal(sent.length, 1)
  t.same(entryOf(t, sent[0]), expected(sent[0]!))
  t.equal(sent[0]?.details?.expiresAt, first.json().invitation.expiresAt, 'the entry records the new expiry')
  // Not idempotent: each resend makes Cognito send another invitation, and each is recorded.
  t.equal((await resend()).statusCode, 202)
  const both = await auditFor(a.auth, m.userId, 'user.invitation_resent')
  t.equal(both.length, 2, 'a second send, a second entry')
  t.same(both.map(e => entryOf(t, e)), both.map(expected))
  t.not(both[0]?.auditId, both[1]?.auditId)

  // Accepted by the member's first request: nothing left to resend.
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: stack.bearer(await stack.activate(m.email, m.userId)) })).statusCode, 200)
  t.equal((await resend()).statusCode, 409)
  t.equal((await auditFor(a.auth, m.userId, 'user.invitation_resent')).length, 2, 'the refused resend left no entry')
})

t.test('throttling: retried with backoff, then 503 with Retry-After; the pending invite completes on retry', async t => {
  const throttled = await stack.app(t, { AWS_MAX_ATTEMPTS: '3' })
  const a = await onboard()
  let throttle = true
  const rec = recordCognitoCalls(throttled.cognito, op => { if (throttle && op === 'AdminCreateUser') throw throttlingError() })
  const email = `throttled-${uniq()}@example.com`
  const res = await throttled.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email } })
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /problem\+json/)
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After')
  t.equal(rec.count('AdminCreateUser'), 1, 'one call by the code')
  t.equal(rec.attemptCount('AdminCreateUser'), 3, 'three attempts on the wire (AWS_MAX_ATTEMPTS)')
  t.match(await item(keys.emailClaim(email)), { status: 'pending' })
  throttle = false
  const again = await throttled.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email } })
  t.equal(again.statusCode, 201)
  // The retry finished the pending invite: one Cognito user, one membership, the claim turned member.
  const userId = again.json().userId as string
  t.equal((await usersWithEmail(email)).length, 1)
  t.match(await item(keys.membership(a.tenantId, userId)), { status: 'invited' })
  t.match(await item(keys.emailClaim(email)), { status: 'user', userId })
})

t.test('a spent client-side budget answers 503 + Retry-After at once instead of queueing', async t => {
  const tight = await stack.app(t, { COGNITO_CREATE_USER_RPS: '1', COGNITO_MAX_WAIT_MS: '100' })
  const a = await onboard()
  const started = Date.now()
  const results = await Promise.all([1, 2, 3].map(() => tight.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email: `burst-${uniq()}@example.com` } })))
  t.same(results.map(r => r.statusCode).sort(), [201, 503, 503])
  t.ok(results.filter(r => r.statusCode === 503).every(r => Number(r.headers['retry-after']) >= 1))
  t.ok(Date.now() - started < 2000, 'no hanging')
})

t.test('a failure between Cognito and DynamoDB leaves no orphan after a retry', async t => {
  const faulty = await stack.app(t)
  // The invite's last write (the membership with the email record turned "user") fails once: after Cognito, before DynamoDB.
  failDynamoOnce(faulty.dynamo, (name, input) => name === 'TransactWriteCommand' && JSON.stringify(input).includes('"user"'))
  const a = await onboard()
  const email = `half-${uniq()}@example.com`
  const first = await faulty.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email, groups: ['members'] } })
  t.equal(first.statusCode, 500)
  // In between: Cognito user of this tenant, the claim pending, no membership. The API refuses the user meanwhile.
  const users = await usersWithEmail(email)
  t.equal(users.length, 1)
  const sub = users[0]?.Attributes?.find(x => x.Name === 'sub')?.Value as string
  t.match(await item(keys.emailClaim(email)), { status: 'pending', tenantId: a.tenantId })
  t.equal(await item(keys.membership(a.tenantId, sub)), null)

  const retry = await faulty.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email, groups: ['members'] } })
  t.equal(retry.statusCode, 201, retry.body)
  t.equal(retry.json().userId, sub, 'the Cognito user was adopted, not duplicated')
  t.equal((await usersWithEmail(email)).length, 1)
  t.match(await cognitoUser(sub), { tenantId: a.tenantId, groups: [] })
  t.match(await item(keys.membership(a.tenantId, sub)), { status: 'invited', groups: ['members'], invitation: { createdUser: true } })
  t.match(await item(keys.emailClaim(email)), { status: 'user', userId: sub })
})
