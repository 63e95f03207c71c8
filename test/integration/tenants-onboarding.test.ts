// Tenant onboarding end to end (POST /tenants): the full flow to a working member, an admin who already has an account,
// and onboarding interrupted, refused or contended. Against cognito-local (behind src/local/cognito-shim) and DynamoDB Local.
import t from 'tap'
import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../src/repositories/keys.js'
import { startOrg, uniq } from '../helpers/org.js'
import { failCognitoOnce } from '../helpers/users-stack.js'

const { stack, services, item, app, operator, cognitoUser, usersWithEmail, onboard, tenantsNamed } = await startOrg(t)

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
  const faulty = await stack.app(t)
  // After the tenant and the pending claim are written, before Cognito creates the admin.
  failCognitoOnce(faulty.cognito, 'AdminCreateUser')
  const name = `Resumed ${uniq()}`
  const adminEmail = `resumed-${uniq()}@example.com`
  t.equal((await faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })).statusCode, 500)
  const retry = await faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
  t.equal(retry.statusCode, 201)
  const tenantId = retry.json().tenantId as string
  t.same((await tenantsNamed(name)).map(i => i.tenantId), [tenantId], 'one tenant, the first attempt\'s')
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
  t.same(await tenantsNamed(name), [], 'no tenant record left by either attempt')
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
  t.same(await tenantsNamed(name), [], 'no tenant record')

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
  t.same(await tenantsNamed(name), [], 'no tenant record')
  t.equal((await post()).statusCode, 201, 'the same request retried (a new tenant id) onboards')
})
