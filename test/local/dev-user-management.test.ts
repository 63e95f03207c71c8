// `npm run dev` does what production does: disable, enable, remove and resend answer 2xx through the local stack's
// COGNITO_ENDPOINT (the shim in front of cognito-local) and leave Cognito in step. Without the shim in the stack,
// cognito-local answers AdminUserGlobalSignOut and AdminCreateUser RESEND with an error and these requests 503.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { localCognitoClient } from '../../src/local/clients.js'
import { signIn } from '../../src/local/cognito-setup.js'
import { startLocalStack } from '../../src/local/stack.js'
import { cognitoUserReader } from '../helpers/org.js'

t.setTimeout(180_000)

t.test('under the local stack, disable, enable, remove and resend complete and Cognito follows', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-dev-users-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  // As src/scripts/dev.ts does: the stack on a data dir, then the API on exactly the environment it hands over.
  const stack = await startLocalStack({ dataDir })
  t.teardown(stack.stop)
  const app = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: 'silent' }))
  t.teardown(() => app.close())
  const cognito = localCognitoClient(stack.cognito.endpoint)
  t.teardown(() => cognito.destroy())
  const cognitoUser = cognitoUserReader(cognito, stack.userPoolId)

  const admin = stack.demo.users.find(u => u.role === 'admin')
  const member = stack.demo.users.find(u => u.role === 'member')
  if (!admin || !member) throw new Error('no demo admin or member')
  const { accessToken } = await signIn(cognito, { clientId: stack.clientId, email: admin.email, password: admin.password })
  const headers = { authorization: `Bearer ${accessToken}` }

  const off = await app.inject({ method: 'PATCH', url: `/users/${member.userId}`, headers, payload: { status: 'disabled' } })
  t.equal(off.statusCode, 200, `disable: ${off.body}`)
  t.match(await cognitoUser(member.userId), { enabled: false }, 'disabled in Cognito')

  const on = await app.inject({ method: 'PATCH', url: `/users/${member.userId}`, headers, payload: { status: 'active' } })
  t.equal(on.statusCode, 200, `enable: ${on.body}`)
  t.match(await cognitoUser(member.userId), { enabled: true }, 'enabled in Cognito')

  const invited = await app.inject({ method: 'POST', url: '/users', headers, payload: { email: 'invitee@demo.local' } })
  t.equal(invited.statusCode, 201, invited.body)
  const invitee = invited.json() as { userId: string }
  const resent = await app.inject({ method: 'POST', url: `/users/${invitee.userId}/invitation`, headers })
  t.equal(resent.statusCode, 202, `resend: ${resent.body}`)
  t.match(await cognitoUser(invitee.userId), { status: 'FORCE_CHANGE_PASSWORD' })

  for (const userId of [member.userId, invitee.userId]) {
    const removed = await app.inject({ method: 'DELETE', url: `/users/${userId}`, headers })
    t.equal(removed.statusCode, 204, `remove: ${removed.body}`)
    t.equal(await cognitoUser(userId), null, 'deleted in Cognito')
    t.equal((await app.inject({ method: 'GET', url: `/users/${userId}`, headers })).statusCode, 404)
  }
  const listed = await app.inject({ method: 'GET', url: '/users', headers })
  t.same(listed.json().items.map((u: { userId: string }) => u.userId), [admin.userId], 'only the admin is left')
})
