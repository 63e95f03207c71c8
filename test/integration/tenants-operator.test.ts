// Platform operator routes end to end: a platform admin's standing checked in Cognito, tenant renames, suspension and
// PATCH preconditions, and paging GET /tenants. Against cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t from 'tap'
import { AdminAddUserToGroupCommand, AdminDisableUserCommand, AdminEnableUserCommand, AdminRemoveUserFromGroupCommand } from '@aws-sdk/client-cognito-identity-provider'
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../src/repositories/keys.js'
import { tenantItem } from '../../src/repositories/tenants.js'
import { sleep, startOrg, uniq } from '../helpers/org.js'
import { recordCognitoCalls } from '../helpers/users-stack.js'

const { stack, services, item, app, operator, onboard, auditItems, inviteNew } = await startOrg(t)
// Invitations that expire after one second (the same table and pool: another instance of the same API).
const shortLived = await stack.app(t, { INVITATION_TTL_SECONDS: '1' })

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

t.test('concurrent tenant renames: each one applied is audited from what it really replaced; the others are 409', async t => {
  const a = await onboard()
  const names = Array.from({ length: 6 }, (_, i) => `Renamed ${i} ${uniq()}`)
  const results = await Promise.all(names.map(name => app.inject({ method: 'PATCH', url: `/tenants/${a.tenantId}`, headers: operator, payload: { name } })))
  const codes = results.map(r => r.statusCode)
  t.ok(codes.every(c => c === 200 || c === 409), `200 or 409 only (${codes.join(',')})`)
  const entries = (await auditItems(a.tenantId)).filter(i => i.action === 'tenant.updated')
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
  const updates = async () => (await auditItems(tenantId)).filter(i => i.action === 'tenant.updated').length

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

t.test('an operator lists a tenant\'s admins and members (GET /tenants/:id/users); tenant admins and unknown tenants are refused', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth, ['members'])
  const res = await app.inject({ url: `/tenants/${a.tenantId}/users`, headers: operator })
  t.equal(res.statusCode, 200)
  const byEmail = Object.fromEntries((res.json().items as Array<{ email: string, groups: string[], status: string }>).map(u => [u.email, u]))
  t.match(byEmail[a.adminEmail], { userId: a.adminId, groups: ['admins'] })
  t.match(byEmail[m.email], { userId: m.userId, groups: ['members'], status: 'invited' })
  t.equal(res.json().items.length, 2)
  const paged = await app.inject({ url: `/tenants/${a.tenantId}/users?limit=1`, headers: operator })
  t.equal(paged.json().items.length, 1)
  t.type(paged.json().nextCursor, 'string')
  t.equal((await app.inject({ url: `/tenants/no-such-${uniq()}/users`, headers: operator })).statusCode, 404)
  t.equal((await app.inject({ url: '/tenants/a%23b/users', headers: operator })).statusCode, 400)
  t.equal((await app.inject({ url: `/tenants/${a.tenantId}/users`, headers: a.auth })).statusCode, 403, 'tenant admins are not operators')
})

t.test('an operator renews an expired first-admin invitation (nobody else can): audited, the password resent, then accepted', async t => {
  const adminEmail = `first-${uniq()}@example.com`
  const onboarded = await shortLived.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: `Late ${uniq()}`, adminEmail } })
  t.equal(onboarded.statusCode, 201)
  const { tenantId, admin } = onboarded.json() as { tenantId: string, admin: { userId: string } }
  await sleep(1100)
  const people = async () => (await app.inject({ url: `/tenants/${tenantId}/users`, headers: operator })).json().items as Array<{ userId: string, invitation?: { expiresAt: string, expired?: true } }>
  t.match(await people(), [{ userId: admin.userId, status: 'invited', invitation: { expired: true } }], 'the operator sees the expired invitation')
  const renew = (userId: string, headers = operator, tenant = tenantId) => app.inject({ method: 'POST', url: `/tenants/${tenant}/users/${userId}/invitation`, headers })

  const rec = recordCognitoCalls(app.cognito)
  const renewed = await renew(admin.userId)
  t.equal(renewed.statusCode, 202, renewed.body)
  t.ok(Date.parse(renewed.json().invitation.expiresAt) > Date.now() + 86_400_000, 'renewed from now')
  t.same(rec.calls.map(c => c.op), ['AdminGetUser', 'AdminCreateUser'], 'never signed in: the temporary password again (RESEND, answered by the shim)')
  t.same((await people())[0]?.invitation, { expiresAt: renewed.json().invitation.expiresAt }, 'no longer expired')
  const entry = (await auditItems(tenantId)).find(i => i.action === 'user.invitation_resent')
  t.match(entry, { target: admin.userId, details: { expiresAt: renewed.json().invitation.expiresAt } }, 'audited in the tenant')
  t.not(entry?.actor, admin.userId, 'the operator is the actor')
  const first = stack.bearer(await stack.activate(adminEmail, admin.userId))
  t.equal((await app.inject({ url: '/users', headers: { ...first, 'x-tenant-id': tenantId } })).statusCode, 200, 'the first admin accepts and administers the tenant')

  t.equal((await renew(admin.userId)).statusCode, 409, 'accepted: nothing to renew')
  const a = await onboard()
  const m = await inviteNew(a.auth, ['members'])
  const member = await renew(m.userId, operator, a.tenantId)
  t.equal(member.statusCode, 409, 'an invitation as member is the tenant admins\' to renew')
  t.match(member.json(), { detail: /Only an invitation as admin/ })
  t.equal((await renew(`no-such-${uniq()}`, operator, a.tenantId)).statusCode, 404, 'no such user')
  t.equal((await renew(admin.userId, operator, `no-such-${uniq()}`)).statusCode, 404, 'no such tenant')
  t.equal((await renew(m.userId, a.auth, a.tenantId)).statusCode, 403, 'operators only')
})
