// Tenant onboarding and user management end to end, against cognito-local (behind src/local/cognito-shim, as under npm run dev) and DynamoDB Local.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDisableUserCommand, AdminEnableUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, AdminRemoveUserFromGroupCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider'
import { DeleteCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../src/repositories/keys.js'
import { tenantItem } from '../../src/repositories/tenants.js'
import { recordCognitoCalls, startUsersStack, throttlingError } from '../helpers/users-stack.js'

const stack = await startUsersStack(t)
const { services } = stack
const { item } = services
const app = await stack.app(t)
const operator = stack.bearer(await stack.platformAdminToken())
const uniq = () => randomUUID().slice(0, 8)

async function cognitoUser (username: string) {
  try {
    const u = await services.cognitoClient.send(new AdminGetUserCommand({ UserPoolId: services.userPoolId, Username: username }))
    const groups = await services.cognitoClient.send(new AdminListGroupsForUserCommand({ UserPoolId: services.userPoolId, Username: u.Username }))
    return {
      tenantId: u.UserAttributes?.find(a => a.Name === 'custom:tenant_id')?.Value,
      status: u.UserStatus,
      enabled: u.Enabled,
      groups: (groups.Groups ?? []).map(g => g.GroupName).sort()
    }
  } catch (err) {
    if ((err as Error).name === 'UserNotFoundException') return null
    throw err
  }
}
async function usersWithEmail (email: string) {
  const res = await services.cognitoClient.send(new ListUsersCommand({ UserPoolId: services.userPoolId, Filter: `email = "${email}"` }))
  return res.Users ?? []
}

/** A tenant with a signed-in admin. */
async function onboard (name = `Tenant ${uniq()}`) {
  const adminEmail = `admin-${uniq()}@example.com`
  const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
  if (res.statusCode !== 201) throw new Error(`onboarding failed: ${res.statusCode} ${res.body}`)
  const body = res.json() as { tenantId: string, admin: { userId: string, email: string } }
  const token = await stack.activate(adminEmail, body.admin.userId)
  return { tenantId: body.tenantId, adminId: body.admin.userId, adminEmail, auth: stack.bearer(token), body }
}
async function invite (auth: { authorization: string }, groups?: string[]) {
  const email = `user-${uniq()}@example.com`
  const res = await app.inject({ method: 'POST', url: '/users', headers: auth, payload: { email, ...(groups ? { groups } : {}) } })
  if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`)
  return { email, userId: (res.json() as { userId: string }).userId }
}
/** The invitee chooses a password and makes their first request, which accepts the invitation. */
async function accepted (m: { email: string, userId: string }) {
  const res = await app.inject({ url: '/orders', headers: stack.bearer(await stack.activate(m.email, m.userId)) })
  if (res.statusCode !== 200) throw new Error(`first request failed: ${res.statusCode} ${res.body}`)
  return m
}

interface AuditItem { auditId: string, actor: string, action: string, target: string, at: string, details?: Record<string, unknown> }
/** The tenant's audit trail as its admin reads it (GET /audit, newest first), for one target and optionally one action. */
async function auditFor (auth: { authorization: string }, target: string, action?: string): Promise<AuditItem[]> {
  const res = await app.inject({ method: 'GET', url: '/audit?limit=100', headers: auth })
  if (res.statusCode !== 200) throw new Error(`audit failed: ${res.statusCode} ${res.body}`)
  const items = res.json().items as AuditItem[]
  return items.filter(e => e.target === target && (action === undefined || e.action === action))
}
/** An entry without its generated id and time, after checking those are there. */
function entryOf (t: Test, e: AuditItem | undefined) {
  if (!e) return undefined
  const { auditId, at, ...rest } = e
  t.match({ auditId, at }, { auditId: /\S/, at: /^\d{4}-\d\d-\d\dT/ })
  return rest
}

t.test('the full flow: operator creates a tenant, its admin signs in and invites a member, who signs in and works', async t => {
  const name = `Acme ${uniq()}`
  const adminEmail = `Admin-${uniq()}@Example.com`
  const created = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
  t.equal(created.statusCode, 201, created.body)
  const body = created.json()
  t.match(body, { tenantId: String, name, status: 'active', createdAt: String, admin: { userId: String, email: adminEmail.toLowerCase(), status: 'invited' } })

  // Cognito and DynamoDB agree: user with the tenant as its home, in no group (roles live in the membership), invited;
  // the membership with its invitation, and the email record naming the user.
  t.match(await cognitoUser(body.admin.userId), { tenantId: body.tenantId, status: 'FORCE_CHANGE_PASSWORD', groups: [] })
  t.match(await item(keys.membership(body.tenantId, body.admin.userId)), { status: 'invited', groups: ['admins'], GSI1PK: `USER#${body.admin.userId}`, invitation: { createdUser: true, expiresAt: String } })
  t.match(await item(keys.emailClaim(adminEmail)), { status: 'user', userId: body.admin.userId })
  t.match(await item(keys.tenant(body.tenantId)), { adminCount: 0, status: 'active' }, 'an invited admin does not count until they accept')

  const listed = await app.inject({ method: 'GET', url: '/tenants?limit=100', headers: operator })
  t.equal(listed.statusCode, 200)
  t.ok(listed.json().items.some((x: { tenantId: string }) => x.tenantId === body.tenantId))
  t.equal((await app.inject({ method: 'GET', url: `/tenants/${body.tenantId}`, headers: operator })).json().name, name)

  const adminAuth = stack.bearer(await stack.activate(adminEmail.toLowerCase(), body.admin.userId))
  const memberEmail = `member-${uniq()}@example.com`
  const invited = await app.inject({ method: 'POST', url: '/users', headers: adminAuth, payload: { email: memberEmail } })
  t.equal(invited.statusCode, 201, invited.body)
  const member = invited.json()
  t.match(member, { userId: String, email: memberEmail, groups: ['members'], status: 'invited', invitation: { expiresAt: String } })

  const memberAuth = stack.bearer(await stack.activate(memberEmail, member.userId))
  const me = await app.inject({ method: 'GET', url: '/me', headers: memberAuth })
  t.equal(me.statusCode, 200, me.body)
  t.match(me.json(), { userId: member.userId, tenantId: body.tenantId, groups: ['members'] })
  const orders = await app.inject({ method: 'GET', url: '/orders', headers: memberAuth })
  t.equal(orders.statusCode, 200, orders.body)

  // invited → active at the member's first authenticated request.
  const seen = await app.inject({ method: 'GET', url: `/users/${member.userId}`, headers: adminAuth })
  t.match(seen.json(), { status: 'active', groups: ['members'] })
  const page = await app.inject({ method: 'GET', url: '/users', headers: adminAuth })
  t.equal(page.statusCode, 200)
  t.same(page.json().items.map((u: { userId: string }) => u.userId).sort(), [body.admin.userId, member.userId].sort())

  const audit = await app.inject({ method: 'GET', url: '/audit', headers: adminAuth })
  t.equal(audit.statusCode, 200)
  t.same(audit.json().items.map((e: { action: string }) => e.action), ['user.invitation_accepted', 'user.invited', 'user.invitation_accepted', 'user.invited', 'tenant.created'], 'newest first; each first sign-in accepted its invitation')

  t.equal((await app.inject({ method: 'POST', url: '/users', headers: memberAuth, payload: { email: `x-${uniq()}@example.com` } })).statusCode, 403, 'a member cannot invite')
  t.equal((await app.inject({ method: 'POST', url: '/users', headers: adminAuth, payload: { email: memberEmail.toUpperCase() } })).statusCode, 409, 'already a member')
})

t.test('tenant A\'s admin can neither see nor change tenant B\'s users, and no Cognito call is made', async t => {
  const a = await onboard()
  const b = await onboard()
  const bMember = await invite(b.auth)
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
  const m = await invite(a.auth)
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
  const second = await invite(a.auth, ['admins', 'members'])
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
  const m = await invite(a.auth)
  const rec = recordCognitoCalls(app.cognito)
  t.equal((await app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/admins`, headers: a.auth })).statusCode, 204)
  t.match(await item(keys.membership(a.tenantId, m.userId)), { groups: ['admins', 'members'] })
  t.equal((await app.inject({ method: 'DELETE', url: `/users/${m.userId}/groups/members`, headers: a.auth })).statusCode, 204)
  t.equal(rec.count(), 0)
  t.same((await cognitoUser(m.userId))?.groups, [])
  t.match(await item(keys.membership(a.tenantId, m.userId)), { groups: ['admins'] })
  t.match(await item(keys.tenant(a.tenantId)), { adminCount: 1 }, 'an invited admin does not count until they accept')
})

t.test('a platform admin removed from the group or disabled in Cognito is refused on platform routes, token or not', async t => {
  const email = `operator-${uniq()}@example.com`
  const op = await services.createUser({ email, password: 'Operator-Passw0rd-1', groups: ['platform-admins'] })
  const auth = stack.bearer((await services.signIn({ email, password: 'Operator-Passw0rd-1' })).accessToken)
  // No cache, so each request asks Cognito; with the default TTL the same holds within 30 s.
  const fresh = await stack.app(t, { MEMBERSHIP_CACHE_TTL_SECONDS: '0' })
  const pool = { UserPoolId: services.userPoolId, Username: op.username }
  t.equal((await fresh.inject({ url: '/tenants', headers: auth })).statusCode, 200, 'an operator in good standing')
  await services.cognitoClient.send(new AdminRemoveUserFromGroupCommand({ ...pool, GroupName: 'platform-admins' }))
  const removed = await fresh.inject({ url: '/tenants', headers: auth })
  t.equal(removed.statusCode, 403, 'the token still says platform-admins; Cognito no longer does')
  t.match(removed.headers['www-authenticate'], /insufficient_scope/)
  await services.cognitoClient.send(new AdminAddUserToGroupCommand({ ...pool, GroupName: 'platform-admins' }))
  t.equal((await fresh.inject({ url: '/tenants', headers: auth })).statusCode, 200, 'back in the group')
  await services.cognitoClient.send(new AdminDisableUserCommand(pool))
  t.equal((await fresh.inject({ method: 'POST', url: '/tenants', headers: auth, payload: { name: 'Nope', adminEmail: `x-${uniq()}@example.com` } })).statusCode, 403, 'disabled')
  await services.cognitoClient.send(new AdminEnableUserCommand(pool))
})

t.test('a removed member is refused at once; Cognito user, membership and claim are gone, the audit keeps it', async t => {
  const a = await onboard()
  const m = await invite(a.auth)
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
  const m = await invite(a.auth)
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

t.test('resending an invitation: renews it while pending; the temporary password only while the user never signed in', async t => {
  // The shim answers RESEND as Cognito documents it (see src/local/cognito-shim.ts for why a shim and not a mock).
  const a = await onboard()
  const m = await invite(a.auth)
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

t.test('concurrent tenant renames: each one applied is audited from what it really replaced; the others are 409', async t => {
  const a = await onboard()
  const names = Array.from({ length: 6 }, (_, i) => `Renamed ${i} ${uniq()}`)
  const results = await Promise.all(names.map(name => app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: operator, payload: { name } })))
  const codes = results.map(r => r.statusCode)
  t.ok(codes.every(c => c === 200 || c === 409), `200 or 409 only (${codes.join(',')})`)
  const entries = (await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)', ExpressionAttributeValues: { ':pk': keys.tenantPk(a.tenantId), ':a': 'AUDIT#' }
  }))).Items?.filter(i => i.action === 'tenant.updated') ?? []
  t.equal(entries.length, codes.filter(c => c === 200).length, 'one audit entry per applied rename')
  for (let i = 1; i < entries.length; i++) t.equal(entries[i]!.details.name.from, entries[i - 1]!.details.name.to, 'each rename replaced the previous one')
  t.equal((await item(keys.tenant(a.tenantId)))?.name, entries.at(-1)?.details.name.to, 'the stored name is the last audited one')
})

t.test('a suspended tenant\'s users are refused at once; reactivated, let back in (within the cache TTL); both audited', async t => {
  const a = await onboard()
  t.equal((await app.inject({ method: 'GET', url: '/users', headers: a.auth })).statusCode, 200)
  const off = await app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: operator, payload: { status: 'suspended' } })
  t.equal(off.statusCode, 200)
  t.match(off.json(), { status: 'suspended' })
  t.equal((await app.inject({ method: 'GET', url: '/users', headers: a.auth })).statusCode, 403)
  t.equal((await app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: operator, payload: { status: 'active' } })).statusCode, 200)
  // plugins/tenant caches the suspended-tenant denial for the membership TTL (evictTenant clears only resolved
  // entries), so reactivation shows on this instance within the TTL; a fresh instance sees it at once.
  const other = await stack.app(t)
  const audit = await other.inject({ method: 'GET', url: '/audit?limit=2', headers: a.auth })
  t.match(audit.json().items, [{ action: 'tenant.updated', details: { status: { to: 'active' } } }, { action: 'tenant.updated', details: { status: { to: 'suspended' } } }])
  t.equal((await app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: operator, payload: {} })).statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: a.auth, payload: { status: 'active' } })).statusCode, 403, 'tenant admins are not operators')
})

t.test('a tenant PATCH reads the tenant once: the 200 is the state it wrote; changed or gone since that read: 409 or 404', async t => {
  const faulty = await stack.app(t)
  const tenantId = `patched-${uniq()}`
  const key = keys.tenant(tenantId)
  // Counts the app's reads of this tenant record; `afterRead` plays a concurrent writer right after the next one.
  const doc = faulty.dynamo.doc
  const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>
  let reads = 0
  let afterRead: (() => Promise<unknown>) | undefined
  doc.send = (async (command: { constructor: { name: string }, input: { Key?: Record<string, unknown> } }) => {
    const res = await send(command)
    if (command.constructor.name === 'GetCommand' && command.input.Key?.PK === key.PK && command.input.Key?.SK === key.SK) {
      reads++
      const writer = afterRead
      afterRead = undefined
      await writer?.()
    }
    return res
  }) as typeof doc.send
  const createdAt = new Date(Date.now() - 60_000).toISOString()
  await services.documentClient.send(new PutCommand({
    TableName: services.tableName, Item: { ...tenantItem({ tenantId, name: 'Before', status: 'active', createdAt, updatedAt: createdAt }), adminCount: 0 }
  }))
  const patch = async (payload: Record<string, string>) => {
    reads = 0
    return await faulty.inject({ method: 'PATCH', url: `/tenants/${tenantId}`, headers: operator, payload })
  }
  const updates = async () => (await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)', ExpressionAttributeValues: { ':pk': key.PK, ':a': 'AUDIT#' }
  }))).Items?.filter(i => i.action === 'tenant.updated').length

  const applied = await patch({ name: 'After', status: 'suspended' })
  t.equal(applied.statusCode, 200)
  const stored = await item(key)
  t.not(stored?.updatedAt, createdAt, 'updatedAt moved')
  t.same(applied.json(), { tenantId, name: 'After', status: 'suspended', createdAt, updatedAt: stored?.updatedAt }, 'the body is what is stored')
  t.equal(reads, 1, 'one read: the state written is known without reading it back')

  afterRead = async () => await services.documentClient.send(new UpdateCommand({
    TableName: services.tableName,
    Key: key,
    UpdateExpression: 'SET #n = :n, updatedAt = :u',
    ExpressionAttributeNames: { '#n': 'name' },
    ExpressionAttributeValues: { ':n': 'Concurrent', ':u': new Date().toISOString() }
  }))
  const changed = await patch({ name: 'Mine' })
  t.equal(changed.statusCode, 409, 'changed since the read')
  t.match(changed.json(), { code: 'APP_CONCURRENT_CHANGE', detail: 'The tenant was changed concurrently; retry' })
  t.equal(reads, 1, 'no second read to tell changed from gone')
  t.equal((await item(key))?.name, 'Concurrent', 'the concurrent change stands')

  afterRead = async () => await services.documentClient.send(new DeleteCommand({ TableName: services.tableName, Key: key }))
  const gone = await patch({ name: 'Mine' })
  t.equal(gone.statusCode, 404, 'deleted since the read')
  t.equal(reads, 1, 'no second read either')
  t.equal(await updates(), 1, 'only the applied PATCH is audited')
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
  let fail = true
  const faulty = await stack.app(t, {}, { faults: { afterCognito: () => { if (fail) { fail = false; throw new Error('crash after Cognito') } } } })
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

t.test('a removal interrupted before Cognito: refused meanwhile, completed by a retry', async t => {
  let fail = true
  const faulty = await stack.app(t, {}, { faults: { beforeCognitoDelete: () => { if (fail) { fail = false; throw new Error('crash before delete') } } } })
  const a = await onboard()
  const m = await invite(a.auth)
  const token = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await faulty.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 200, 'an active member (the first request accepted the invitation)')
  t.equal((await faulty.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 500)
  t.match(await item(keys.membership(a.tenantId, m.userId)), { removing: true, status: 'disabled' })
  const auditOf = async () => (await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)', ExpressionAttributeValues: { ':pk': keys.tenantPk(a.tenantId), ':a': 'AUDIT#' }
  }))).Items ?? []
  t.match((await auditOf()).filter(i => i.action === 'user.removed'), [{ target: m.userId, actor: a.adminId }], 'audited with the decision, before any retry')
  t.ok(await cognitoUser(m.userId))
  t.equal((await faulty.inject({ method: 'GET', url: '/orders', headers: token })).statusCode, 403)
  t.equal((await faulty.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })).statusCode, 204)
  t.equal(await cognitoUser(m.userId), null)
  t.equal(await item(keys.membership(a.tenantId, m.userId)), null)
  t.equal(await item(keys.emailClaim(m.email)), null, 'the address is free again')
  t.equal((await auditOf()).filter(i => i.action === 'user.removed').length, 1, 'and once only after the retry')
})

t.test('adminCount follows disable, re-enable and grants to a disabled user', async t => {
  const a = await onboard()
  const second = await accepted(await invite(a.auth, ['admins', 'members']))
  const member = await accepted(await invite(a.auth))
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

t.test('a tenant onboarded for a person who already has an account: they are its admin once they accept', async t => {
  const b = await onboard()
  const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: 'Second', adminEmail: b.adminEmail } })
  t.equal(res.statusCode, 201, res.body)
  const tenantId = res.json().tenantId as string
  t.equal(res.json().admin.userId, b.adminId, 'the same person')
  t.match(await item(keys.membership(tenantId, b.adminId)), { status: 'invited', groups: ['admins'], invitation: { createdUser: false } })
  t.match(await item(keys.tenant(tenantId)), { adminCount: 0 }, 'counted once they accept')
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${tenantId}`, headers: b.auth })).statusCode, 200)
  t.match(await item(keys.tenant(tenantId)), { adminCount: 1 }, 'accepted: the tenant\'s one active admin')
  t.match(await cognitoUser(b.adminId), { tenantId: b.tenantId, groups: [] }, 'the account and its home tenant unchanged')
  t.equal((await usersWithEmail(b.adminEmail)).length, 1)
})

t.test('onboarding interrupted after the tenant was written: the same request retried resumes that tenant', async t => {
  let crash = true
  const faulty = await stack.app(t, {}, { faults: { afterClaim: () => { if (crash) { crash = false; throw new Error('crash after the claim') } } } })
  const name = `Resumed ${uniq()}`
  const adminEmail = `resumed-${uniq()}@example.com`
  t.equal((await faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })).statusCode, 500)
  const retry = await faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
  t.equal(retry.statusCode, 201)
  const tenantId = retry.json().tenantId as string
  const all = await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': keys.tenantsIndexPk }
  }))
  t.same((all.Items ?? []).filter(i => i.name === name).map(i => i.tenantId), [tenantId], 'one tenant, the first attempt\'s')
  t.match(await item(keys.tenant(tenantId)), { adminCount: 0 }, 'counted once the admin accepts')
  t.match(await item(keys.emailClaim(adminEmail)), { status: 'user' })
  t.equal((await usersWithEmail(adminEmail)).length, 1)
})

t.test('onboarding refused after the tenant was written leaves no admin-less tenant behind', async t => {
  // A Cognito user whose email is not verified (here: one made outside the API) holds the address; never adopted.
  const email = `outsider-${uniq()}@example.com`
  const created = await services.cognitoClient.send(new AdminCreateUserCommand({
    UserPoolId: services.userPoolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'false' }]
  }))
  const outsider = { userId: created.User?.Username as string }
  const name = `Orphan ${uniq()}`
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail: email } })
    t.equal(res.statusCode, 409, `attempt ${attempt + 1}`)
  }
  const all = await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': keys.tenantsIndexPk }
  }))
  t.same((all.Items ?? []).filter(i => i.name === name), [], 'no tenant record left by either attempt')
  const audits = await services.documentClient.send(new ScanCommand({
    TableName: services.tableName,
    FilterExpression: '#a = :created AND #d.#n = :name',
    ExpressionAttributeNames: { '#a': 'action', '#d': 'details', '#n': 'name' },
    ExpressionAttributeValues: { ':created': 'tenant.created', ':name': name }
  }))
  t.same(audits.Items, [], 'nor the audit entry of a tenant that never was')
  t.equal(await item(keys.emailClaim(email)), null, 'no claim left')
  t.match(await cognitoUser(outsider.userId), { tenantId: undefined, groups: [] }, 'the outsider is untouched')
})

t.test('group grants and revocations are audited once each, with the group; a repeat that changes nothing is not audited', async t => {
  const a = await onboard()
  const m = await invite(a.auth)
  const put = () => app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/admins`, headers: a.auth })
  const del = () => app.inject({ method: 'DELETE', url: `/users/${m.userId}/groups/admins`, headers: a.auth })

  /** The call writes one entry naming the group; a repeat succeeds, writes none, and Cognito holds `groups`. */
  async function auditedOnce (call: typeof put, action: string, groups: string[]) {
    t.equal((await call()).statusCode, 204, action)
    const entries = await auditFor(a.auth, m.userId, action)
    t.equal(entries.length, 1)
    t.same(entryOf(t, entries[0]), { actor: a.adminId, action, target: m.userId, details: { group: 'admins' } })
    // A repeat: the membership is unchanged, nothing is audited (a repeated revocation asks Cognito again, idempotent).
    t.equal((await call()).statusCode, 204, `a repeated ${action} succeeds`)
    t.equal((await auditFor(a.auth, m.userId, action)).length, 1, 'and is not audited again')
    t.same((await cognitoUser(m.userId))?.groups, groups)
  }
  await auditedOnce(put, 'user.group_added', [])
  await auditedOnce(del, 'user.group_removed', [])

  t.same((await auditFor(a.auth, m.userId)).map(e => e.action), ['user.group_removed', 'user.group_added', 'user.invited'], 'nothing else about the user, newest first')
})

t.test('disable and enable are audited once each, without details; repeating either changes nothing and is not audited', async t => {
  const a = await onboard()
  const m = await invite(a.auth)
  const patch = (status: string) => app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status } })

  /** Setting `status` writes one entry without details; a repeat answers `after`, writes none, and Cognito has `enabled`. */
  async function auditedOnce (status: string, action: string, after: string, enabled: boolean) {
    t.equal((await patch(status)).statusCode, 200, action)
    const entries = await auditFor(a.auth, m.userId, action)
    t.equal(entries.length, 1)
    t.same(entryOf(t, entries[0]), { actor: a.adminId, action, target: m.userId })
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

t.test('a resent invitation is audited every time one is sent, with its new expiry; a refused resend is not', async t => {
  const a = await onboard()
  const m = await invite(a.auth)
  const resend = () => app.inject({ method: 'POST', url: `/users/${m.userId}/invitation`, headers: a.auth })
  const expected = (e: AuditItem) => ({ actor: a.adminId, action: 'user.invitation_resent', target: m.userId, details: { expiresAt: e.details?.expiresAt } })

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
      const m = await invite(a.auth, ['admins', 'members'])
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
      t.same(entryOf(t, entries[0]), { actor: a.adminId, action: 'user.disabled', target: m.userId })
    })
  }
})

interface TransactItem { Put?: { Item?: Record<string, unknown> } }

/**
 * The app's first TransactWrite whose items `match` is cancelled as DynamoDB cancels one, with `reason(item, index)` as
 * each item's code in the order sent; every other call reaches DynamoDB Local.
 */
function cancelFirstTransaction (app: { dynamo: { doc: { send: unknown } } }, match: (items: TransactItem[]) => boolean, reason: (item: TransactItem, index: number) => string) {
  const doc = app.dynamo.doc
  const send = (doc.send as (command: unknown) => Promise<unknown>).bind(doc)
  const cancelled = { count: 0 }
  doc.send = async (command: { constructor: { name: string }, input: { TransactItems?: TransactItem[] } }) => {
    const items = command.input.TransactItems ?? []
    if (command.constructor.name === 'TransactWriteCommand' && cancelled.count === 0 && match(items)) {
      cancelled.count++
      throw Object.assign(new Error('Transaction cancelled'), {
        name: 'TransactionCanceledException',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: items.map((item, i) => ({ Code: reason(item, i) }))
      })
    }
    return await send(command)
  }
  return cancelled
}

t.test('onboarding whose claim transaction is contended: 503 with Retry-After, nothing left, and the retry onboards', async t => {
  const faulty = await stack.app(t)
  // DynamoDB cancels the first claim transaction for contention (another transaction on the same items), as it does
  // under load; everything else reaches DynamoDB Local.
  const cancelled = cancelFirstTransaction(faulty, () => true, (_item, i) => i === 0 ? 'TransactionConflict' : 'None')
  const name = `Contended ${uniq()}`
  const adminEmail = `contended-${uniq()}@example.com`
  const post = () => faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })

  const first = await post()
  t.equal(cancelled.count, 1)
  t.equal(first.statusCode, 503, 'contention is ours to retry, not "the tenant already exists"')
  t.ok(first.headers['retry-after'], 'with Retry-After')
  t.equal(await item(keys.emailClaim(adminEmail)), null, 'no claim left')
  const all = await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': keys.tenantsIndexPk }
  }))
  t.same((all.Items ?? []).filter(i => i.name === name), [], 'no tenant record')

  const retry = await post()
  t.equal(retry.statusCode, 201, 'the same request retried onboards')
  t.match(retry.json(), { name, status: 'active', admin: { email: adminEmail, status: 'invited' } })
})

t.test('onboarding whose tenant record cannot be written (its id taken): 409, nothing left, and the retry onboards', async t => {
  const faulty = await stack.app(t)
  // DynamoDB fails the tenant item's condition in the claim transaction, reporting it at that item's position as sent.
  const isTenant = (item: TransactItem) => item.Put?.Item?.SK === 'TENANT'
  const cancelled = cancelFirstTransaction(faulty, items => items.some(isTenant), item => isTenant(item) ? 'ConditionalCheckFailed' : 'None')
  const name = `Taken ${uniq()}`
  const adminEmail = `taken-${uniq()}@example.com`
  const post = () => faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })

  const first = await post()
  t.equal(cancelled.count, 1)
  t.equal(first.statusCode, 409)
  t.match(first.json(), { detail: 'The tenant already exists' })
  t.equal(await item(keys.emailClaim(adminEmail)), null, 'no claim left')
  const all = await services.documentClient.send(new QueryCommand({
    TableName: services.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': keys.tenantsIndexPk }
  }))
  t.same((all.Items ?? []).filter(i => i.name === name), [], 'no tenant record')
  t.equal((await post()).statusCode, 201, 'the same request retried (a new tenant id) onboards')
})

t.test('GET /tenants pages through every tenant once; the last page has nextCursor null, never a cursor to an empty page', async t => {
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: `Paged ${uniq()}`, adminEmail: `paged-${uniq()}@example.com` } })
    t.equal(res.statusCode, 201, res.body)
  }
  const all = (await app.inject({ method: 'GET', url: '/tenants?limit=100', headers: operator })).json() as { items: Array<{ tenantId: string }>, nextCursor: string | null }
  t.equal(all.nextCursor, null, 'one page holds them all: no cursor')
  const total = all.items.length
  t.ok(total >= 3)
  // A page size that divides the total exactly is the case that used to end in a cursor to an empty page.
  for (const limit of [1, 2, total]) {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await app.inject({ method: 'GET', url: `/tenants?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`, headers: operator })
      t.equal(page.statusCode, 200, page.body)
      const body = page.json() as { items: Array<{ tenantId: string }>, nextCursor: string | null }
      t.ok(body.items.length > 0, `limit ${limit}: no empty page`)
      seen.push(...body.items.map(x => x.tenantId))
      cursor = body.nextCursor
      pages++
    } while (cursor !== null && pages <= total)
    t.same(seen, all.items.map(x => x.tenantId), `limit ${limit}: every tenant once, in order`)
    t.equal(pages, Math.ceil(total / limit), `limit ${limit}: ${Math.ceil(total / limit)} pages`)
  }
})
