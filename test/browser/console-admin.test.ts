// The console's admin tools in a real browser against the local stack, with the local inbox wired as `npm run dev`
// wires it: the README's screenshot from the freshly seeded state, bulk invite from a CSV file (preview, pacing by
// Retry-After, Cancel, the per-row report and its download, a re-run), sorting the users, the operator renewing an
// expired first-admin invitation, and the inbox page. No 404 (the favicon) on the way. UPDATE_DOCS_SCREENSHOT=1 writes
// docs/console.png.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { keys } from '../../src/repositories/keys.js'
import { browserTest, startBrowserStack } from '../helpers/browser.js'

t.setTimeout(240_000)

const DOCS_PNG = fileURLToPath(new URL('../../docs/console.png', import.meta.url))

await browserTest(t, 'the console\'s admin tools in a browser, against the local stack with its inbox', run)

async function run (t: Test): Promise<void> {
  const { stack, web, doc, admin, member, operator, tokenOf, api, newPage, signIn, activeTenant, axe, shot } = await startBrowserStack(t, { inbox: true })
  const inboxUrl = web.inboxUrl as string
  // Every answer the console's origin gives the browser: none may be a 404 (a missing favicon shows as one).
  const missing: string[] = []
  const watch = (page: Page) => page.on('response', r => { if (r.status() === 404 && r.url().startsWith(web.origin)) missing.push(r.url()) })

  // An existing person in another tenant, so that the CSV holds one: the operator onboards Acme with its admin.
  const operatorToken = await tokenOf(operator.email, operator.password)
  t.equal((await api(operatorToken, 'POST', '/tenants', { name: 'Acme Corp', adminEmail: 'boss@acme.local' })).status, 201, 'onboarded Acme')

  const page = await newPage()
  watch(page)

  await t.test('1. a fresh `npm run dev` state: the admin lands on the seeded tenant\'s empty orders (the README screenshot)', async t => {
    await signIn(page, admin.email, admin.password)
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.getByText('No orders yet.').waitFor()
    t.pass('the seeded tenant has no orders')
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: DOCS_PNG })
    const icon = await fetch(new URL('/favicon.ico', web.origin))
    t.equal(icon.status, 200, '/favicon.ico answers')
    t.equal(icon.headers.get('content-type'), 'image/x-icon')
    t.equal((await fetch(new URL('/console/favicon.svg', web.origin))).status, 200, 'the icon index.html links')
  })

  await t.test('2. bulk invite: a preview with each row\'s problem, pacing by Retry-After, the per-row report and its CSV', async t => {
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { name: 'Users of Demo Tenant' }).waitFor()
    await page.locator('tr[data-user]', { hasText: admin.email }).waitFor()
    const csv = [
      'email,groups',
      'ann@demo.local,members',
      'bob@demo.local,admins',
      'cid@demo.local,admins;members',
      'not-an-email,members',
      'dee@demo.local,',
      'ann@demo.local,admins',
      `${member.email},members`,
      'boss@acme.local,members',
      'eve@demo.local,owners',
      'fay@demo.local,members',
      '=cmd@demo.local,members'
    ].join('\n') + '\n'
    // The API answers bob's first attempt 503 with Retry-After, as it does when the Cognito budget is spent.
    const posts: string[] = []
    await page.route('**/users', async route => {
      const req = route.request()
      if (req.method() !== 'POST') { await route.fallback(); return }
      const email = (req.postDataJSON() as { email: string }).email
      posts.push(email)
      if (email === 'bob@demo.local' && posts.filter(e => e === email).length === 1) {
        await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json', 'access-control-allow-origin': web.origin, 'access-control-expose-headers': 'retry-after' }, body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The identity service is busy; retry later' }) })
        return
      }
      await route.fallback()
    })
    const file = page.getByLabel('CSV file', { exact: true })
    await file.setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    const region = page.getByRole('region', { name: 'Invite from a CSV file' })
    await region.getByRole('status').filter({ hasText: 'people.csv: 8 to invite, 3 refused before sending' }).waitFor()
    const row = (line: number) => region.locator(`tr[data-line="${line}"]`)
    t.match(await row(5).textContent(), /not-an-email.*invalid.*invalid email/, 'an invalid address, before sending')
    t.match(await row(7).textContent(), /ann@demo\.local.*invalid.*duplicate of an earlier row/, 'a duplicate')
    t.match(await row(10).textContent(), /eve@demo\.local.*invalid.*unknown group\(s\): owners/, 'an unknown group')
    t.match(await row(3).textContent(), /bob@demo\.local.*admin.*ready/, 'a valid row waits')
    await axe(t, page, 'bulk invite preview')
    await shot(page, 'admin-01-bulk-preview')
    t.same(posts, [], 'nothing sent before the admin says so')

    await region.getByRole('button', { name: 'Invite 8 people' }).click()
    await region.getByRole('status').filter({ hasText: 'Done. 7 invited, 1 already there, 0 refused, 3 invalid.' }).waitFor({ timeout: 60_000 })
    t.same(posts, ['ann@demo.local', 'bob@demo.local', 'bob@demo.local', 'cid@demo.local', 'dee@demo.local', member.email, 'boss@acme.local', 'fay@demo.local', '=cmd@demo.local'], 'in file order, bob again after the Retry-After')
    t.match(await row(3).textContent(), /bob@demo\.local.*invited/, 'the row the API asked to wait for is invited')
    t.match(await row(8).textContent(), new RegExp(`${member.email}.*already there.*already a member`), 'an existing member is reported as already there')
    t.match(await row(9).textContent(), /boss@acme\.local.*invited/, 'a person with an account elsewhere is invited (a pending invitation)')
    await axe(t, page, 'bulk invite report')
    await shot(page, 'admin-02-bulk-report')
    const listed = await api(await tokenOf(admin.email, admin.password), 'GET', '/users?limit=100', undefined, { 'x-tenant-id': 'demo' })
    t.match(Object.fromEntries((listed.body?.items as Array<{ email: string, groups: string[] }>).map(u => [u.email, u.groups])), { 'bob@demo.local': ['admins'], 'cid@demo.local': ['admins', 'members'], 'dee@demo.local': ['members'] }, 'each row with its groups')
    await page.locator('tr[data-user="fay@demo.local"]').waitFor()
    t.pass('the users list is reloaded')

    const [download] = await Promise.all([page.waitForEvent('download'), region.getByRole('button', { name: 'Download report' }).click()])
    t.equal(download.suggestedFilename(), 'invite-report.csv')
    const report = readFileSync(await download.path(), 'utf8').split('\r\n')
    t.equal(report[0], 'line,email,groups,outcome,detail')
    t.equal(report[1], '2,ann@demo.local,member,invited,')
    t.match(report[4], /^5,not-an-email,,invalid,invalid email$/)
    t.match(report[7], new RegExp(`^8,${member.email},member,already there,`))
    t.equal(report[11], "12,'=cmd@demo.local,member,invited,", 'a cell a spreadsheet would run as a formula is quoted')
    t.equal(report.length, 13, 'every row of the file, and a final line break')

    // The same file again: nothing new, nothing refused (re-runnable).
    await file.setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await region.getByRole('button', { name: 'Invite 8 people' }).click()
    await region.getByRole('status').filter({ hasText: 'Done. 0 invited, 8 already there, 0 refused, 3 invalid.' }).waitFor({ timeout: 60_000 })
    t.pass('a re-run reports every row already there')

    // Cancel while the API asks to wait: the rest is not sent.
    await page.unroute('**/users')
    await page.route('**/users', async route => {
      if (route.request().method() !== 'POST') { await route.fallback(); return }
      await route.fulfill({ status: 429, headers: { 'retry-after': '30', 'content-type': 'application/problem+json', 'access-control-allow-origin': web.origin, 'access-control-expose-headers': 'retry-after' }, body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Rate limit exceeded' }) })
    })
    await file.setInputFiles({ name: 'later.csv', mimeType: 'text/csv', buffer: Buffer.from('email\ngus@demo.local\nhal@demo.local\n') })
    await region.getByRole('button', { name: 'Invite 2 people' }).click()
    await region.getByRole('status').filter({ hasText: 'The API asked to wait 30 s (429)' }).waitFor()
    t.equal(await region.locator('progress').getAttribute('max'), '2', 'a progress bar over the rows')
    await axe(t, page, 'bulk invite in progress')
    await region.getByRole('button', { name: 'Cancel' }).click()
    await region.getByRole('status').filter({ hasText: 'Cancelled. 0 invited, 0 already there, 0 refused, 0 invalid, 2 not sent.' }).waitFor()
    t.pass('cancelled during the wait; nothing else sent')
    await page.unroute('**/users')

    // Too large a file is refused with what to do instead.
    await file.setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.from(['email', ...Array.from({ length: 1001 }, (_, i) => `p${i}@demo.local`)].join('\n')) })
    await region.getByRole('alert').filter({ hasText: 'huge.csv has 1001 rows: the console takes up to 1000. Split it, or run npm run users:import.' }).waitFor()
    await file.setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.alloc(600 * 1024, 'a') })
    await region.getByRole('alert').filter({ hasText: 'big.csv is 600 KB: the console takes files up to 512 KB' }).waitFor()
    t.pass('a file over the row or byte cap is refused, saying what to do')
  })

  await t.test('3. sorting the users: by address either way, by role, by status', async t => {
    const emails = async () => await Promise.all((await page.locator('tr[data-user]').all()).map(async r => await r.getAttribute('data-user') as string))
    const sortBy = async (label: string) => { await page.getByLabel('Sort users by').selectOption({ label }) }
    await sortBy('address, A to Z')
    const az = await emails()
    t.same(az, [...az].sort((a, b) => a.localeCompare(b)), 'A to Z')
    t.equal(az.length, 9, 'the seeded two and the seven invited')
    await sortBy('address, Z to A')
    t.same(await emails(), [...az].reverse(), 'Z to A')
    await sortBy('role, admins first')
    const byRole = await emails()
    t.same(byRole.slice(0, 3).sort(), [admin.email, 'bob@demo.local', 'cid@demo.local'].sort(), 'the admins first')
    await sortBy('status')
    const byStatus = await emails()
    t.same(byStatus.slice(0, 2).sort(), [admin.email, member.email].sort(), 'active before invited')
    await axe(t, page, 'users sorted')
    await page.context().close()
  })

  await t.test('4. the operator renews a first admin\'s expired invitation; the admin\'s new password lands in the inbox', async t => {
    const late = await api(operatorToken, 'POST', '/tenants', { name: 'Late Start Co', adminEmail: 'first@late.local' })
    t.equal(late.status, 201)
    const lateId = late.body?.tenantId as string
    const lateAdmin = late.body?.admin.userId as string
    // A week has passed: the invitation expired before its admin signed in.
    await doc.send(new UpdateCommand({ TableName: stack.tableName, Key: keys.membership(lateId, lateAdmin), UpdateExpression: 'SET invitation.expiresAt = :past', ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() } }))
    const op = await newPage()
    watch(op)
    await signIn(op, operator.email, operator.password)
    await op.locator('tr[data-tenant]', { hasText: 'Late Start Co' }).getByRole('button', { name: 'Manage Late Start Co' }).click()
    const panel = op.getByRole('region', { name: 'Manage Late Start Co' })
    const person = panel.locator('tr[data-person="first@late.local"]')
    await person.locator('.badge', { hasText: 'invitation expired' }).waitFor()
    await axe(t, op, 'an expired admin invitation')
    await shot(op, 'admin-03-expired-admin-invitation')
    await person.getByRole('button', { name: 'Renew invitation of first@late.local' }).click()
    await person.getByText(/until /).waitFor()
    t.equal(await person.locator('.badge', { hasText: 'invitation expired' }).count(), 0, 'no longer expired')
    t.equal(await person.getByRole('button', { name: /Renew invitation/ }).count(), 0, 'nothing to renew')
    await axe(t, op, 'a renewed admin invitation')
    const trail = await api(operatorToken, 'GET', `/tenants/${lateId}/users`)
    t.notOk(trail.body?.items[0].invitation.expired, 'the API agrees')
    await op.context().close()
  })

  await t.test('5. the local inbox: an invitee\'s temporary password and an existing person\'s notice', async t => {
    const inbox = await newPage()
    watch(inbox)
    await inbox.goto(inboxUrl)
    await inbox.getByRole('heading', { name: 'Local inbox' }).waitFor()
    const message = (to: string, subject: string) => inbox.locator('article', { hasText: to }).filter({ has: inbox.getByRole('heading', { name: subject }) })
    t.match(await message('ann@demo.local', 'Your temporary password').first().textContent(), /Your username is ann@demo\.local and your temporary password is \S+/, 'the bulk invitee\'s temporary password')
    t.match(await message('first@late.local', 'Your temporary password (resent)').textContent(), /temporary password is \S+/, 'the renewed first admin\'s, resent')
    const notice = inbox.locator('article', { hasText: 'boss@acme.local' }).filter({ hasText: 'Demo Tenant' })
    t.equal(await notice.count(), 1, 'the existing person\'s notice names the tenant')
    t.equal(await notice.getByRole('link').getAttribute('href'), `${web.url}#/invitations`, 'with a link to accept')
    t.notMatch(await notice.textContent(), /temporary password/, 'and no password')
    await axe(t, inbox, 'inbox')
    await shot(inbox, 'admin-04-inbox')
    await inbox.context().close()
    t.same(missing, [], 'no 404 from the console\'s origin on any page (favicon included)')
  })
}
