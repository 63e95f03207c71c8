// Invitation notices (issue 27 item 6): a person who already has an account, invited to another tenant, gets exactly one
// notice from the API linking to the console's #/invitations; a new person gets none (Cognito emails their password).
// A notice that cannot be sent leaves the invitation standing.
import t from 'tap'
import { memoryMailer, type Mailer } from '../../src/notify/mailer.js'
import { startUsersStack } from '../helpers/users-stack.js'
import { orgHelpers, uniq } from '../helpers/org.js'

const stack = await startUsersStack(t)
const operator = stack.bearer(await stack.platformAdminToken())
const CONSOLE_URL = 'https://console.example.com/console/'
const mailer = memoryMailer()
const app = await stack.app(t, { CONSOLE_URL }, { mailer })
const org = orgHelpers(stack, app, operator)

t.test('an existing person invited elsewhere: one notice with the accept link; a new person: none', async t => {
  const a = await org.onboard()
  const b = await org.onboard(`Notices ${uniq()}`)
  const email = `person-${uniq()}@example.com`
  mailer.sent.length = 0
  const first = await org.invite(a.auth, email)
  t.same(mailer.sent.filter(m => m.to === email), [], 'a new account: Cognito sends the temporary password, the API nothing')
  await org.accepted({ email, userId: first.userId })

  const second = await org.invite(b.auth, email, ['admins'])
  const notices = mailer.sent.filter(m => m.to === email)
  t.equal(notices.length, 1, 'exactly one notice')
  t.match(notices[0], { to: email, subject: new RegExp(b.name) })
  t.ok(notices[0]?.text.includes(`${CONSOLE_URL}#/invitations`), 'links to the console\'s invitations page')
  t.ok(notices[0]?.text.includes(second.invitation.expiresAt), 'says when it expires')

  const resent = await app.inject({ method: 'POST', url: `/users/${second.userId}/invitation`, headers: b.auth })
  t.equal(resent.statusCode, 202, resent.body)
  t.equal(mailer.sent.filter(m => m.to === email).length, 2, 'a renewal tells them again')
})

t.test('onboarding a tenant whose first admin already has an account: they are told too', async t => {
  const a = await org.onboard()
  mailer.sent.length = 0
  const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: `Second ${uniq()}`, adminEmail: a.adminEmail } })
  t.equal(res.statusCode, 201, res.body)
  t.equal(mailer.sent.filter(m => m.to === a.adminEmail).length, 1)
})

t.test('a notice that cannot be sent does not fail the invitation', async t => {
  const failing: Mailer = { send: async () => { throw new Error('SES is down') } }
  const other = await stack.app(t, { CONSOLE_URL }, { mailer: failing })
  const a = await org.onboard()
  const b = await org.onboard()
  const email = `person-${uniq()}@example.com`
  await org.accepted({ email, userId: (await org.invite(a.auth, email)).userId })
  const res = await other.inject({ method: 'POST', url: '/users', headers: b.auth, payload: { email } })
  t.equal(res.statusCode, 201, res.body)
  t.match(res.json(), { status: 'invited' })
})
