// Multi-step user writes across Cognito and DynamoDB: a fault at each step, then the same request retried completes
// it, and list and get agree meanwhile. Also: no Cognito call for a change that changes nothing, squatted and raced
// invites, and the re-enable in the disable's own second. Against cognito-local (behind src/local/cognito-shim) and
// DynamoDB Local.
import t, { type Test } from 'tap'
import { InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider'
import { keys } from '../../src/repositories/keys.js'
import { recordCognitoCalls } from '../helpers/users-stack.js'
import { startOrg, uniq } from '../helpers/org.js'

const { stack, services, item, app, operator, cognitoUser, usersWithEmail, onboard, inviteNew, tenantsNamed } = await startOrg(t)

/** One app whose next step named by `plan` fails once: a Cognito operation, or a DynamoDB command `dynamo` picks. */
const plan: { cognito?: string, dynamo?: (name: string, input: Record<string, unknown>) => boolean, down?: boolean } = {}
const faulty = await stack.app(t)
recordCognitoCalls(faulty.cognito, op => { if (plan.cognito === op) { plan.cognito = undefined; throw new Error(`crash at ${op}`) } })
{
  const doc = faulty.dynamo.doc
  const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>
  doc.send = (async (command: { constructor: { name: string }, input: Record<string, unknown> }) => {
    // `down`: every write fails, as if the process died there (no compensating write gets through either).
    const write = command.constructor.name !== 'GetCommand' && command.constructor.name !== 'QueryCommand'
    if (plan.down === true && write) throw new Error('DynamoDB unreachable')
    if (plan.dynamo?.(command.constructor.name, command.input)) { plan.dynamo = undefined; throw new Error('crash in DynamoDB') }
    return await send(command)
  }) as typeof doc.send
}
const json = (input: unknown) => JSON.stringify(input)
/** A TransactWrite (or other write) whose items mention `text`. */
const writeWith = (text: string) => (name: string, input: Record<string, unknown>) => name !== 'GetCommand' && name !== 'QueryCommand' && json(input).includes(text)

/** GET /users/:id and GET /users tell the same story about the user. */
async function listAndGetAgree (t: Test, auth: { authorization: string }, userId: string) {
  const got = await app.inject({ method: 'GET', url: `/users/${userId}`, headers: auth })
  const listed = (await app.inject({ method: 'GET', url: '/users?limit=100', headers: auth })).json().items as Array<{ userId: string }>
  const inList = listed.find(u => u.userId === userId)
  if (got.statusCode === 404) t.notOk(inList, 'not listed, as the read denies it')
  else t.same(inList, got.json(), 'listed as read')
}
/** Cognito and the membership agree: the user exists, in no Cognito group (roles live in the membership), enabled unless disabled. */
async function inStep (t: Test, tenantId: string, userId: string) {
  const m = await item(keys.membership(tenantId, userId))
  const u = await cognitoUser(userId)
  t.ok(m && u, 'both exist')
  t.same(u?.groups, [], 'no Cognito group')
  t.equal(u?.enabled, m?.status !== 'disabled', 'Cognito enabled unless the membership is disabled')
  t.notOk(m?.cognitoPending, 'nothing pending')
}

const steps = {
  invite: [
    { cognito: undefined, dynamo: writeWith('"pending"') },
    { cognito: 'AdminCreateUser' },
    { dynamo: writeWith('"user"') }
  ],
  remove: [
    { dynamo: writeWith('"removing"') },
    { cognito: 'AdminListGroupsForUser' },
    { dynamo: writeWith('deleting') },
    { cognito: 'AdminDeleteUser' },
    { dynamo: (name: string, input: Record<string, unknown>) => name === 'TransactWriteCommand' && json(input).includes('"Delete"') }
  ],
  disable: [
    { dynamo: writeWith('"disabled"') },
    { cognito: 'AdminListGroupsForUser' },
    { cognito: 'AdminUserGlobalSignOut' },
    { cognito: 'AdminDisableUser' },
    { dynamo: writeWith('REMOVE cognitoPending') }
  ],
  enable: [
    { dynamo: writeWith('user.enabled') },
    { cognito: 'AdminEnableUser' },
    { dynamo: writeWith('REMOVE cognitoPending') }
  ],
  addGroup: [
    { dynamo: writeWith('user.group_added') }
  ],
  removeGroup: [
    { dynamo: writeWith('user.group_removed') }
  ],
  onboard: [
    { dynamo: writeWith('"pending"') },
    { cognito: 'AdminCreateUser' },
    { dynamo: writeWith('"user"') }
  ]
}
const arm = (step: { cognito?: string, dynamo?: typeof plan.dynamo }) => { plan.cognito = step.cognito; plan.dynamo = step.dynamo }
const label = (step: { cognito?: string, dynamo?: unknown }, i: number) => `step ${i + 1} (${step.cognito ?? 'DynamoDB write'})`

t.test('an invite interrupted at any step: the same request retried completes it, Cognito and membership in step', async t => {
  const a = await onboard()
  for (const [i, step] of steps.invite.entries()) {
    await t.test(label(step, i), async t => {
      const email = `inv-${uniq()}@example.com`
      const post = () => faulty.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email, groups: ['admins', 'members'] } })
      arm(step)
      const first = await post()
      t.ok(first.statusCode >= 500, `the fault answers ${first.statusCode}`)
      const retry = await post()
      t.equal(retry.statusCode, 201, retry.body)
      const userId = retry.json().userId as string
      t.equal((await usersWithEmail(email)).length, 1, 'one Cognito user')
      t.match(await item(keys.emailClaim(email)), { status: 'user', userId })
      await inStep(t, a.tenantId, userId)
      await listAndGetAgree(t, a.auth, userId)
    })
  }
})

t.test('a removal interrupted at any step: refused and unlisted meanwhile, completed by the same request retried', async t => {
  const a = await onboard()
  for (const [i, step] of steps.remove.entries()) {
    await t.test(label(step, i), async t => {
      const m = await inviteNew(a.auth)
      const del = () => faulty.inject({ method: 'DELETE', url: `/users/${m.userId}`, headers: a.auth })
      arm(step)
      t.ok((await del()).statusCode >= 500, 'the fault')
      await listAndGetAgree(t, a.auth, m.userId)
      t.equal((await del()).statusCode, 204, 'the retry removes')
      t.equal(await cognitoUser(m.userId), null)
      t.equal(await item(keys.membership(a.tenantId, m.userId)), null)
      t.equal(await item(keys.emailClaim(m.email)), null)
      await listAndGetAgree(t, a.auth, m.userId)
      t.equal((await del()).statusCode, 404, 'and then it is gone')
    })
  }
})

t.test('disable and enable interrupted at any step: the same request retried completes it', async t => {
  const a = await onboard()
  for (const [op, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    for (const [i, step] of steps[op].entries()) {
      await t.test(`${op}: ${label(step, i)}`, async t => {
        const m = await inviteNew(a.auth)
        if (op === 'enable') t.equal((await app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status: 'disabled' } })).statusCode, 200)
        const patch = () => faulty.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status } })
        arm(step)
        t.ok((await patch()).statusCode >= 500, 'the fault')
        await listAndGetAgree(t, a.auth, m.userId)
        const retry = await patch()
        t.equal(retry.statusCode, 200, retry.body)
        t.match(retry.json(), { status: op === 'disable' ? 'disabled' : 'invited' })
        await inStep(t, a.tenantId, m.userId)
      })
    }
  }
})

t.test('group changes interrupted at any step: the same request retried completes them', async t => {
  const a = await onboard()
  for (const op of ['addGroup', 'removeGroup'] as const) {
    for (const [i, step] of steps[op].entries()) {
      await t.test(`${op}: ${label(step, i)}`, async t => {
        const m = await inviteNew(a.auth, op === 'addGroup' ? ['members'] : ['admins', 'members'])
        const call = () => faulty.inject({ method: op === 'addGroup' ? 'PUT' : 'DELETE', url: `/users/${m.userId}/groups/admins`, headers: a.auth })
        arm(step)
        t.ok((await call()).statusCode >= 500, 'the fault')
        t.equal((await call()).statusCode, 204, 'the retry')
        t.same((await item(keys.membership(a.tenantId, m.userId)))?.groups, op === 'addGroup' ? ['admins', 'members'] : ['members'])
        await inStep(t, a.tenantId, m.userId)
      })
    }
  }
})

t.test('onboarding interrupted at any step: the same request retried onboards one tenant with its admin', async t => {
  for (const [i, step] of steps.onboard.entries()) {
    await t.test(label(step, i), async t => {
      const name = `Retried ${uniq()}`
      const adminEmail = `op-${uniq()}@example.com`
      const post = () => faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
      arm(step)
      t.ok((await post()).statusCode >= 500, 'the fault')
      const retry = await post()
      t.equal(retry.statusCode, 201, retry.body)
      const { tenantId, admin } = retry.json() as { tenantId: string, admin: { userId: string } }
      t.equal((await usersWithEmail(adminEmail)).length, 1)
      t.match(await item(keys.tenant(tenantId)), { adminCount: 0 }, 'the admin counts once they accept')
      t.match(await item(keys.emailClaim(adminEmail)), { status: 'user', userId: admin.userId })
      await inStep(t, tenantId, admin.userId)
    })
  }
})

t.test('onboarding a person who already has an account: a crash at its write leaves no admin-less tenant; the retry onboards one', async t => {
  const existing = await onboard()
  const adminEmail = (await item(keys.membership(existing.tenantId, existing.adminId)))?.email as string
  const name = `Existing admin ${uniq()}`
  const post = () => faulty.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
  // The crash comes at the write of the admin's pending membership, and nothing is written after it (no cleanup).
  arm({ dynamo: (name, input) => { plan.down = writeWith('user.invited')(name, input); return plan.down } })
  t.ok((await post()).statusCode >= 500, 'the fault')
  plan.down = false
  t.same(await tenantsNamed(name), [], 'no tenant was written without its admin')
  const retry = await post()
  t.equal(retry.statusCode, 201, retry.body)
  const { tenantId, admin } = retry.json() as { tenantId: string, admin: { userId: string, status: string } }
  t.equal(admin.userId, existing.adminId, 'the same person: no second account')
  t.equal(admin.status, 'invited', 'pending until they accept')
  t.equal((await tenantsNamed(name)).length, 1, 'one tenant')
  t.match(await item(keys.tenant(tenantId)), { adminCount: 0 }, 'counted once they accept')
  t.match(await item(keys.membership(tenantId, existing.adminId)), { status: 'invited', groups: ['admins'] })
  t.equal((await usersWithEmail(adminEmail)).length, 1)
})

t.test('a change that changes nothing makes no Cognito call', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const rec = recordCognitoCalls(app.cognito)
  const patch = (status: string) => app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status } })
  t.equal((await app.inject({ method: 'PUT', url: `/users/${m.userId}/groups/members`, headers: a.auth })).statusCode, 204)
  t.equal(rec.count(), 0, 'adding a group the user has')
  t.equal((await patch('active')).statusCode, 200)
  t.equal(rec.count(), 0, 'enabling an enabled user')
  t.equal((await patch('disabled')).statusCode, 200)
  t.same(rec.calls.map(c => c.op), ['AdminListGroupsForUser', 'AdminGetUser', 'AdminUserGlobalSignOut', 'AdminDisableUser'], 'the disable itself (no other live membership, no platform admin, enabled now)')
  rec.reset()
  t.equal((await patch('disabled')).statusCode, 200)
  t.equal(rec.count(), 0, 'disabling a disabled user')
  t.match(await cognitoUser(m.userId), { enabled: false, groups: [] })
})

t.test('an unconfirmed self sign-up neither blocks an invitation nor receives it', async t => {
  const a = await onboard()
  for (const via of ['POST /users', 'POST /tenants']) {
    await t.test(via, async t => {
      const email = `victim-${uniq()}@corp.example`
      // The squatter signs up with the victim's address (even naming the tenant) and never confirms.
      const squat = await services.cognitoClient.send(new SignUpCommand({
        ClientId: services.clientId,
        Username: email,
        Password: 'Squatter-Passw0rd-1',
        UserAttributes: [{ Name: 'email', Value: email }, ...(via === 'POST /users' ? [{ Name: 'custom:tenant_id', Value: a.tenantId }] : [])]
      }))
      t.match(await cognitoUser(squat.UserSub as string), { status: 'UNCONFIRMED' })
      const res = via === 'POST /users'
        ? await app.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email } })
        : await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: `Victim ${uniq()}`, adminEmail: email } })
      t.equal(res.statusCode, 201, res.body)
      const userId = (via === 'POST /users' ? res.json().userId : res.json().admin.userId) as string
      t.not(userId, squat.UserSub, 'not the squatter\'s account')
      t.equal(await cognitoUser(squat.UserSub as string), null, 'the squatter\'s account is gone')
      t.match(await cognitoUser(userId), { status: 'FORCE_CHANGE_PASSWORD' }, 'the invited user, awaiting the invitee')
      t.equal((await usersWithEmail(email)).length, 1)
      const signIn = services.cognitoClient.send(new InitiateAuthCommand({
        ClientId: services.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Squatter-Passw0rd-1' }
      }))
      // cognito-local answers any password of a FORCE_CHANGE_PASSWORD user with the challenge (real Cognito checks the
      // temporary password first); either way, no tokens.
      t.notOk(await signIn.then(r => r.AuthenticationResult, () => undefined), 'the squatter\'s password gets no tokens')
    })
  }
})

t.test('two invites of one address with other groups at once: one wins, the loser leaves no group behind', async t => {
  const a = await onboard()
  for (let round = 0; round < 3; round++) {
    const email = `race-${uniq()}@example.com`
    const results = await Promise.all([['members'], ['admins']].map(groups =>
      app.inject({ method: 'POST', url: '/users', headers: a.auth, payload: { email, groups } })))
    const codes = results.map(r => r.statusCode).sort()
    t.equal(codes[0], 201, `one wins (${codes.join(',')})`)
    t.ok([409, 503].includes(codes[1] as number), 'the other is refused')
    const winner = results.find(r => r.statusCode === 201)?.json() as { userId: string }
    await inStep(t, a.tenantId, winner.userId)
  }
})

t.test('disabled, re-enabled and signed in again within one second: the new session works, the old one stays dead', async t => {
  const a = await onboard()
  const m = await inviteNew(a.auth)
  const old = stack.bearer(await stack.activate(m.email, m.userId))
  // Start at the top of a second, so that disable, re-enable and the sign-in fall in the same one.
  await new Promise(resolve => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20))
  const patch = (status: string) => app.inject({ method: 'PATCH', url: `/users/${m.userId}`, headers: a.auth, payload: { status } })
  t.equal((await patch('disabled')).statusCode, 200)
  t.equal((await patch('active')).statusCode, 200)
  const fresh = stack.bearer(await stack.activate(m.email, m.userId))
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: fresh })).statusCode, 200, 'the new session')
  t.equal((await app.inject({ method: 'GET', url: '/orders', headers: old })).statusCode, 401, 'the session from before the disable')
})
