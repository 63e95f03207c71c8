// The invitation notice's text and link, and that a failed send is logged rather than thrown (the invite stands).
import t from 'tap'
import { acceptLink, invitationNotices } from '../../src/notify/invitation-notices.js'
import { memoryMailer } from '../../src/notify/mailer.js'

t.test('the accept link is the console\'s #/invitations page', async t => {
  t.equal(acceptLink('https://app.example.com/console/'), 'https://app.example.com/console/#/invitations')
  t.equal(acceptLink('https://app.example.com/#/orders/x'), 'https://app.example.com/#/invitations')
})

t.test('a notice names the tenant, links to accept and says when it expires; a failed send is logged', async t => {
  const mailer = memoryMailer()
  const errors: object[] = []
  const log = { error: (o: object) => { errors.push(o) } }
  await invitationNotices({ mailer, consoleUrl: 'https://app.example.com/', log }).invited({ email: 'a@example.com', tenantId: 't1', tenantName: 'Acme', expiresAt: '2030-01-01T00:00:00.000Z' })
  t.match(mailer.sent, [{ to: 'a@example.com', subject: /Acme/, text: /https:\/\/app\.example\.com\/#\/invitations[\s\S]*2030-01-01/ }])
  await invitationNotices({ mailer, log }).invited({ email: 'b@example.com', tenantId: 't2', expiresAt: 'x' })
  t.match(mailer.sent[1], { subject: /tenant t2/, text: /My invitations/ }, 'no CONSOLE_URL: says where to look')
  const failing = { send: async () => { throw new Error('down') } }
  await t.resolves(invitationNotices({ mailer: failing, log }).invited({ email: 'c@example.com', tenantId: 't3', expiresAt: 'x' }))
  t.equal(errors.length, 1)
})
