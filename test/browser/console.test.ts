// The web console in a real browser (Debian's Chromium through playwright-core) against the real local stack
// (test/helpers/browser.ts). One browser, one stack, the scenarios in order (later ones build on the data of earlier
// ones). Screenshots go to $SCREENSHOT_DIR (default <tmp>/console-screenshots), never into the repository
// (docs/console.png comes from console-admin.test.ts, in the freshly seeded state `npm run dev` shows).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import t, { type Test } from 'tap'
import { createLocalUser, signIn as cognitoSignIn } from '../../src/local/cognito-setup.js'
import { keys } from '../../src/repositories/keys.js'
import { refreshAuth, send } from '../../web/src/auth/password.js'
import { browserTest, MANAGED_DOMAIN, startBrowserStack } from '../helpers/browser.js'

t.setTimeout(240_000)

await browserTest(t, 'the console in a browser, against the local stack', run)

async function run (t: Test): Promise<void> {
  const { stack, web, managed: managedConsole, tokenEndpoint, cognito, doc, admin, member, operator, tokenOf, api, newPage, signIn, activeTenant, axe, shortLived, shot } = await startBrowserStack(t, { managed: true })
  const managed = managedConsole!
  // A second tenant with an existing person (its admin) and an order of its own, set up through the API as an
  // operator and that admin would.
  const operatorToken = await tokenOf(operator.email, operator.password)
  const acme = await api(operatorToken, 'POST', '/tenants', { name: 'Acme Corp', adminEmail: 'boss@acme.local' })
  t.equal(acme.status, 201, 'onboarded Acme')
  const acmeId = acme.body?.tenantId as string
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: stack.userPoolId, Username: 'boss@acme.local', Password: 'Boss-Passw0rd-1', Permanent: true }))
  const bossToken = await tokenOf('boss@acme.local', 'Boss-Passw0rd-1')
  const acmeOrder = await api(bossToken, 'POST', '/orders', { currency: 'USD', items: [{ sku: 'ACME-ONLY', quantity: 3, unitPrice: 500 }] }, { 'x-tenant-id': acmeId, 'idempotency-key': 'acme-1' })
  t.equal(acmeOrder.status, 201, 'an order in Acme')

  // The console's session at the API renews through REFRESH_TOKEN_AUTH: cognito-local answers it (with no new refresh token).
  const first = await cognitoSignIn(cognito, { clientId: stack.clientId, email: member.email, password: member.password })
  const renewed = await send(refreshAuth(stack.cognitoShim.endpoint, stack.clientId, first.refreshToken))
  t.ok('tokens' in renewed && renewed.tokens.accessToken.split('.').length === 3 && renewed.tokens.expiresAt > Date.now(), 'REFRESH_TOKEN_AUTH renews')

  const adminPage = await newPage()

  await t.test('1. an admin signs in, creates an order and changes its status', async t => {
    const page = adminPage
    await page.goto(web.url)
    await axe(t, page, 'sign-in')
    await shot(page, '01-sign-in')
    await signIn(page, admin.email, 'wrong-password')
    t.match(await page.getByRole('alert').textContent(), /Sign-in failed: (Incorrect username or password|Invalid password)/, 'Cognito\'s refusal is shown (cognito-local words it "Invalid password")')
    await signIn(page, admin.email, admin.password)
    await t.resolves(activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor(), 'the active tenant is named')
    await page.getByText('No orders yet.').waitFor()
    // Keyboard only: the fields are reachable and Enter submits the form.
    await page.getByLabel('SKU').focus()
    await page.keyboard.type('DEMO-1')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Control+A')
    await page.keyboard.type('2')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Control+A')
    await page.keyboard.type('1250')
    await page.keyboard.press('Enter')
    const row = page.locator('tr', { hasText: 'DEMO-1' })
    await row.waitFor()
    t.match(await row.textContent(), /pending.*25\.00 EUR/, 'the new order is listed, pending, with its total')
    await axe(t, page, 'orders')
    await row.getByLabel(/New status of order/).selectOption('confirmed')
    await row.getByRole('button', { name: /Apply/ }).click()
    await row.locator('.badge', { hasText: 'confirmed' }).waitFor()
    t.pass('the status changed to confirmed')
    await shot(page, '02-orders')
  })

  await t.test('2. the admin invites a new address and an address that belongs to another tenant', async t => {
    const page = adminPage
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { name: 'Users of Demo Tenant' }).waitFor()
    await page.locator('tr', { hasText: admin.email }).waitFor()
    for (const email of ['newbie@demo.local', 'boss@acme.local']) {
      await page.getByLabel('Email').fill(email)
      await page.getByRole('button', { name: 'Invite', exact: true }).click()
      await page.getByRole('status').filter({ hasText: `Invited ${email}` }).waitFor()
      await page.locator('tr', { hasText: email }).locator('.badge', { hasText: 'invited' }).waitFor()
    }
    t.pass('both are listed as invited')
    // Inviting someone already invited is refused, and the problem's title and detail are shown.
    await page.getByLabel('Email').fill('newbie@demo.local')
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    const problem = page.locator('form .problem')
    await problem.waitFor()
    t.match(await problem.textContent(), /Conflict \(409\): .+/, 'a 409 shows title and detail')
    await page.getByRole('button', { name: /Resend invitation to newbie@demo.local/ }).click()
    await page.locator('tr', { hasText: 'newbie@demo.local' }).getByRole('status').filter({ hasText: 'Invitation resent' }).waitFor()
    t.pass('resend is confirmed')
    // Search and sort, over the users loaded (the API lists memberships by user id only).
    const emails = async () => await Promise.all((await page.locator('tbody tr').all()).map(async r => await r.getAttribute('data-user')))
    await page.getByLabel('Find by address').fill('NEWBIE')
    t.same(await emails(), ['newbie@demo.local'], 'the search matches the address, any case')
    await page.getByLabel('Find by address').fill('')
    await page.getByLabel('Sort users by').selectOption({ label: 'address, Z to A' })
    const sorted = await emails()
    t.same(sorted, [...sorted].sort().reverse(), 'sorted Z to A')
    t.ok(sorted.length >= 4)
    await page.getByLabel('Sort users by').selectOption({ label: 'address, A to Z' })
    await axe(t, page, 'users')

    // The other user actions, on a throwaway invitation and (disable, enable) on the demo member.
    await page.getByLabel('Email').fill('extra@demo.local')
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    const extra = page.locator('tr', { hasText: 'extra@demo.local' })
    await extra.getByLabel('Role of extra@demo.local').selectOption('admins')
    await extra.getByRole('button', { name: /Change role of extra/ }).click()
    await page.getByRole('status').filter({ hasText: 'Loading users' }).waitFor({ state: 'detached' })
    await extra.getByRole('button', { name: /Change role of extra/ }).and(page.locator(':disabled')).waitFor()
    t.equal(await extra.getByLabel('Role of extra@demo.local').inputValue(), 'admins', 'the role changed (as listed after a reload)')
    // An invitation that has run out: shown as expired, and the filter finds it.
    const listed = await api(await tokenOf(admin.email, admin.password), 'GET', '/users?limit=100', undefined, { 'x-tenant-id': 'demo' })
    const extraId = (listed.body?.items as Array<{ userId: string, email: string }>).find(u => u.email === 'extra@demo.local')?.userId as string
    await doc.send(new UpdateCommand({ TableName: stack.tableName, Key: keys.membership('demo', extraId), UpdateExpression: 'SET invitation.expiresAt = :past', ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00.000Z' } }))
    await page.getByRole('button', { name: 'Reload users' }).click()
    await extra.locator('.badge', { hasText: 'invitation expired' }).waitFor()
    await page.getByLabel(/Only expired invitations/).check()
    t.same(await Promise.all((await page.locator('tbody tr').all()).map(async r => await r.getAttribute('data-user'))), ['extra@demo.local'], 'the filter shows only the expired invitation')
    await page.getByLabel(/Only expired invitations/).uncheck()
    // A destructive action asks first, in a modal dialog that takes focus (on Cancel) and gives it back.
    const revoke = extra.getByRole('button', { name: /Revoke invitation extra/ })
    await revoke.click()
    const ask = page.getByRole('dialog', { name: 'Revoke the invitation to extra@demo.local?' })
    await ask.waitFor()
    t.equal(await page.evaluate('document.activeElement.textContent'), 'Cancel', 'focus starts on Cancel')
    await axe(t, page, 'confirm dialog')
    await page.keyboard.press('Escape')
    await ask.waitFor({ state: 'detached' })
    t.equal(await page.evaluate('document.activeElement.textContent'), 'Revoke invitation extra@demo.local', 'Escape cancels, focus back on the button')
    t.equal(await extra.count(), 1, 'nothing was revoked')
    await revoke.click()
    await ask.getByRole('button', { name: 'Cancel' }).click()
    t.equal(await extra.count(), 1, 'Cancel revokes nothing')
    await revoke.click()
    await ask.getByRole('button', { name: 'Revoke invitation' }).click()
    await extra.waitFor({ state: 'detached' })
    t.pass('the invitation is revoked once confirmed')
    const memberRow = page.locator('tr', { hasText: member.email })
    await memberRow.getByRole('button', { name: `Disable ${member.email}` }).click()
    await page.getByRole('dialog', { name: `Disable ${member.email}?` }).getByRole('button', { name: 'Disable' }).click()
    await memberRow.locator('.badge', { hasText: 'disabled' }).waitFor()
    await memberRow.getByRole('button', { name: `Enable ${member.email}` }).click()
    await memberRow.locator('.badge', { hasText: 'active' }).waitFor()
    t.pass('disabled, then enabled again')
    await shot(page, '03-users')
    await page.getByRole('link', { name: 'Audit trail' }).click()
    await page.locator('tr', { hasText: 'invit' }).first().waitFor()
    t.pass('the audit trail lists the invitations')
    // In words, by address: the revoked invitee stays named.
    const added = page.locator('tr', { hasText: 'added extra@demo.local to group admins' })
    await added.waitFor()
    t.match(await added.textContent(), admin.email, 'the actor by address')
    await page.locator('tr', { hasText: 'revoked the invitation to extra@demo.local' }).waitFor()
    await page.getByLabel('Who (address or user id)').fill(member.email)
    await page.getByLabel('What').selectOption({ label: 'disabled' })
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.locator('tr', { hasText: `disabled ${member.email}` }).waitFor()
    t.same(await Promise.all((await page.locator('tbody tr').all()).map(async r => await r.getAttribute('data-action'))), ['user.disabled'], 'filtered by who and what')
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export CSV' }).click()
    const csv = readFileSync(await (await download).path(), 'utf8').trimEnd().split('\r\n')
    t.equal(csv[0], 'at,actor_email,actor,action,summary,target_email,target,details')
    t.equal(csv.length, 2, 'the export has the filtered entry only')
    t.match(csv[1], `,${admin.email},`)
    await page.getByLabel('Who (address or user id)').fill('')
    await page.getByLabel('What').selectOption({ label: 'any action' })
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.locator('tr', { hasText: 'invit' }).first().waitFor()
    await axe(t, page, 'audit')
    await shot(page, '04-audit')
  })

  await t.test('3. the new invitee signs in with the temporary password, sets a new one and lands in the tenant', async t => {
    // The test sets a known temporary password, as Cognito's own AdminSetUserPassword with Permanent: false does (the
    // user stays FORCE_CHANGE_PASSWORD); through the shim, which then accepts that one and no other.
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: stack.userPoolId, Username: 'newbie@demo.local', Password: 'Temp-Passw0rd-1', Permanent: false }))
    const page = await newPage()
    await signIn(page, 'newbie@demo.local', 'Temp-Passw0rd-1')
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await axe(t, page, 'new password')
    await shot(page, '05-new-password')
    await page.getByLabel('New password', { exact: true }).fill('Newbie-Passw0rd-2')
    await page.getByLabel('Repeat the new password').fill('Newbie-Passw0rd-2')
    await page.getByRole('button', { name: 'Set password and sign in' }).click()
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    t.pass('signed in, in the Demo tenant')
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    t.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'a member sees no Users screen')
    await t.resolves(tokenOf('newbie@demo.local', 'Newbie-Passw0rd-2'), 'the new password is the password now')
    await page.context().close()
  })

  const bossPage = await newPage()
  await t.test('4. the existing user accepts the invitation, switches tenants and sees each tenant\'s own orders', async t => {
    const page = bossPage
    await signIn(page, 'boss@acme.local', 'Boss-Passw0rd-1')
    await activeTenant(page).filter({ hasText: 'Acme Corp' }).waitFor()
    await page.locator('tr', { hasText: 'ACME-ONLY' }).waitFor()
    await page.getByRole('link', { name: 'My invitations' }).click()
    const invitation = page.locator('li', { hasText: 'Demo Tenant' })
    await invitation.waitFor()
    await axe(t, page, 'invitations')
    await shot(page, '06-invitations')
    await invitation.getByRole('button', { name: /Accept/ }).click()
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    t.equal(await page.locator('tr', { hasText: 'ACME-ONLY' }).count(), 0, 'Demo shows no Acme order')
    t.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'a member of Demo: no Users screen')

    const switcher = page.getByLabel('Switch tenant')
    await switcher.selectOption({ label: 'Acme Corp' })
    await activeTenant(page).filter({ hasText: 'Acme Corp' }).waitFor()
    await page.locator('tr', { hasText: 'ACME-ONLY' }).waitFor()
    t.equal(await page.locator('tr', { hasText: 'DEMO-1' }).count(), 0, 'Acme shows no Demo order')
    t.equal(await page.getByRole('link', { name: 'Users' }).count(), 1, 'an admin of Acme: the Users screen')

    // A slow answer for the tenant being left must never appear under the next one: Acme's orders are held back,
    // the person switches to Acme and at once back to Demo, then Acme's answer arrives.
    let held = 0
    await page.route('**/orders?*', async route => {
      if (route.request().headers()['x-tenant-id'] === acmeId) { held++; await new Promise(resolve => setTimeout(resolve, 1500)) }
      await route.continue()
    })
    await switcher.selectOption({ label: 'Demo Tenant' })
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    await switcher.selectOption({ label: 'Acme Corp' })
    await page.getByRole('status').filter({ hasText: 'Loading orders' }).waitFor()
    await switcher.selectOption({ label: 'Demo Tenant' })
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    await page.waitForTimeout(2000)
    t.ok(held > 0, 'an Acme answer was held back')
    t.match(await activeTenant(page).textContent(), 'Demo Tenant')
    t.equal(await page.locator('tr', { hasText: 'ACME-ONLY' }).count(), 0, 'the late Acme answer is not shown under Demo')
    await page.unroute('**/orders?*')
    // Deep link to the tenant that is not the default (Acme sorts first). Same document, new hash: goto alone
    // would not reload the page.
    await page.goto(`${web.url}#/orders/demo`)
    await page.reload()
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    t.match(page.url(), '#/orders/demo', 'a reload keeps the person signed in (the API\'s session), on the deep link')
    t.same(await page.evaluate('({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) })'), { local: [], session: [] }, 'no token in web storage')
    // Back to Acme for scenario 7.
    await page.getByLabel('Switch tenant').selectOption({ label: 'Acme Corp' })
    await page.locator('tr', { hasText: 'ACME-ONLY' }).waitFor()
  })

  await t.test('5. a member does not see admin actions, and the API refuses them anyway', async t => {
    const page = await newPage()
    await signIn(page, member.email, member.password)
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    const nav = await page.getByRole('navigation').getByRole('link').allTextContents()
    t.same(nav, ['Orders', 'Projects', 'My invitations', 'My account'], 'no admin screen')
    t.equal(await page.locator('tr', { hasText: 'DEMO-1' }).getByRole('button', { name: /^Delete/ }).count(), 0, 'a member is offered no order delete')
    // A malformed address (decodeURIComponent throws a URIError on it) is a route to the tenant's orders, not a crash.
    await page.goto(`${web.url}#/invitations`)
    await page.getByRole('heading', { name: 'My invitations' }).waitFor()
    await page.goto(`${web.url}#/orders/%E0`)
    await page.getByRole('heading', { name: 'Orders of Demo Tenant' }).waitFor()
    t.pass('a malformed hash shows the orders of the active tenant')
    // A deep link to an admin screen says which role it needs, and offers a way out.
    await page.goto(`${web.url}#/users/demo`)
    const needs = page.getByRole('alert')
    await needs.waitFor()
    t.match(await needs.textContent(), 'Users needs the admin role in Demo Tenant; you are a member there.', 'the deep link names the role Users needs')
    t.equal(await page.getByRole('heading', { name: /Users of/ }).count(), 0, 'a deep link to Users shows no Users screen')
    // Keyboard: the first Tab reaches the skip link, Enter moves focus to the content without changing the route.
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content')
    await page.keyboard.press('Enter')
    t.equal(await page.evaluate('document.activeElement.id'), 'main', 'focus is on the content')
    t.match(page.url(), '#/users/demo', 'the route is untouched')
    await needs.getByRole('link', { name: 'Go to Orders' }).click()
    await page.getByRole('heading', { name: 'Orders of Demo Tenant' }).waitFor()
    t.match(page.url(), '#/orders/demo', 'the way out leads to the tenant\'s orders')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor()
    await page.getByLabel('Email').waitFor()
    t.pass('signed out, back at the sign-in form')
    await page.context().close()

    const token = await tokenOf(member.email, member.password)
    const tenant = { 'x-tenant-id': 'demo' }
    t.equal((await api(token, 'GET', '/users', undefined, tenant)).status, 403, 'GET /users')
    t.equal((await api(token, 'POST', '/users', { email: 'sneaky@demo.local', groups: ['admins'] }, tenant)).status, 403, 'POST /users')
    t.equal((await api(token, 'PATCH', `/users/${admin.userId}`, { status: 'disabled' }, tenant)).status, 403, 'PATCH /users/:id')
    t.equal((await api(token, 'GET', '/audit', undefined, tenant)).status, 403, 'GET /audit')
    t.equal((await api(token, 'GET', '/tenants')).status, 403, 'GET /tenants')
  })

  await t.test('6. a stale order edit is refused with 412 and shown as such', async t => {
    const page = adminPage
    await page.getByRole('link', { name: 'Orders' }).click()
    await page.getByLabel('SKU').fill('STALE-1')
    await page.getByRole('button', { name: 'Create order' }).click()
    const row = page.locator('tr', { hasText: 'STALE-1' })
    await row.waitFor()
    const orderId = await row.getAttribute('data-order-id') as string
    // Behind the page's back: someone confirms it.
    const adminToken = await tokenOf(admin.email, admin.password)
    const changed = await api(adminToken, 'PATCH', `/orders/${orderId}`, { status: 'confirmed' }, { 'x-tenant-id': 'demo', 'if-match': '"1"' })
    t.equal(changed.status, 200)
    await row.getByLabel(/New status of order/).selectOption('cancelled')
    await row.getByRole('button', { name: /Apply/ }).click()
    const problem = row.getByRole('alert')
    await problem.waitFor()
    t.match(await problem.textContent(), /Precondition Failed \(412\).*changed by someone else/, 'the 412 is explained')
    await shot(page, '07-stale-edit')
    await problem.getByRole('button', { name: 'Reload orders' }).click()
    await row.locator('.badge', { hasText: 'confirmed' }).waitFor()
    t.pass('after a reload the current status shows')

    // Cursor paging: the screen asks for 10 at a time; with 12 orders the rest come with "Load more orders".
    for (let i = 0; i < 10; i++) {
      const made = await api(adminToken, 'POST', '/orders', { currency: 'EUR', items: [{ sku: `PAGE-${i}`, quantity: 1, unitPrice: 100 }] }, { 'x-tenant-id': 'demo', 'idempotency-key': `page-${i}` })
      t.equal(made.status, 201)
    }
    await page.getByRole('button', { name: 'Reload orders' }).click()
    await page.getByRole('button', { name: 'Load more orders' }).click()
    await page.locator('tr', { hasText: 'DEMO-1' }).waitFor()
    t.equal(await page.locator('tbody tr').count(), 12, 'both pages listed')
    t.equal(await page.getByRole('button', { name: 'Load more orders' }).count(), 0, 'no further page')

    // Edit a pending order's note and items (If-Match), then delete it after a confirmation; the deletion is audited.
    const edited = page.locator('tr', { hasText: 'PAGE-9' })
    const editedId = await edited.getAttribute('data-order-id') as string
    await edited.getByRole('button', { name: /^Edit/ }).click()
    const form = page.getByRole('form', { name: `Edit order ${editedId}` })
    await form.getByLabel('Note').fill('rush delivery')
    await form.getByLabel('Quantity of item 1').fill('4')
    await form.getByRole('button', { name: 'Add an item' }).click()
    await form.getByLabel('SKU of item 2').fill('EXTRA-2')
    await form.getByLabel('Unit price of item 2 (cents)').fill('50')
    await axe(t, page, 'order edit')
    await form.getByRole('button', { name: 'Save order' }).click()
    await form.waitFor({ state: 'detached' })
    t.match(await edited.textContent(), /rush delivery.*pending.*4\.50 EUR.*4 × PAGE-9, 1 × EXTRA-2/, 'note, items and total changed')
    const stored = await api(adminToken, 'GET', `/orders/${editedId}`, undefined, { 'x-tenant-id': 'demo' })
    t.match(stored.body, { note: 'rush delivery', total: 450, version: 2 }, 'the API has the edit')
    await edited.getByRole('button', { name: /^Delete/ }).click()
    const ask = page.getByRole('dialog', { name: `Delete order ${editedId}?` })
    await ask.getByRole('button', { name: 'Delete order' }).click()
    await edited.waitFor({ state: 'detached' })
    t.equal((await api(adminToken, 'GET', `/orders/${editedId}`, undefined, { 'x-tenant-id': 'demo' })).status, 404, 'the order is deleted')
    const trail = await api(adminToken, 'GET', '/audit?limit=5', undefined, { 'x-tenant-id': 'demo' })
    t.match(trail.body?.items[0], { action: 'order.deleted', target: editedId, actorEmail: admin.email }, 'the deletion is audited, by address')
  })

  await t.test('7. a platform admin suspends a tenant, and its member is refused', async t => {
    const page = await newPage()
    await signIn(page, operator.email, operator.password)
    await page.getByRole('heading', { name: 'Tenants' }).waitFor()
    t.match(await activeTenant(page).textContent(), 'No tenant')
    await page.getByText(operator.email).waitFor()
    t.pass('the header names the person by their address, not their id')
    const row = page.locator('tr', { hasText: 'Acme Corp' })
    await row.waitFor()

    // Onboarding a tenant whose first admin already has an account but no tenant: that person sees only the invitation.
    await createLocalUser(cognito, { userPoolId: stack.userPoolId, email: 'loner@solo.local', password: 'Loner-Passw0rd-1', groups: [] })
    await page.getByLabel('Name').fill('Beta Ltd')
    await page.getByLabel('First admin\'s email').fill('loner@solo.local')
    await page.getByRole('button', { name: 'Onboard tenant' }).click()
    await page.getByRole('status').filter({ hasText: 'Created Beta Ltd' }).waitFor()
    await page.locator('tr', { hasText: 'Beta Ltd' }).waitFor()
    const loner = await newPage()
    await signIn(loner, 'loner@solo.local', 'Loner-Passw0rd-1')
    await loner.getByRole('heading', { name: 'My invitations' }).waitFor()
    t.match(await activeTenant(loner).textContent(), 'No tenant', 'no tenant yet: the invitations are shown')
    await loner.locator('li', { hasText: 'Beta Ltd' }).getByRole('button', { name: /Accept/ }).click()
    await activeTenant(loner).filter({ hasText: 'Beta Ltd' }).waitFor()
    await loner.getByRole('link', { name: 'Users' }).waitFor()
    t.pass('accepted: in Beta Ltd, as its admin')
    await loner.context().close()

    await axe(t, page, 'tenants')
    await shot(page, '08-tenants')
    await row.getByRole('button', { name: /Suspend/ }).click()
    await page.getByRole('dialog', { name: 'Suspend Acme Corp?' }).getByRole('button', { name: 'Suspend' }).click()
    await row.locator('.badge', { hasText: 'suspended' }).waitFor()

    // Boss is still looking at Acme's orders: the next call is refused, and the page says why.
    await bossPage.getByRole('button', { name: 'Reload orders' }).click()
    const refusal = bossPage.getByRole('alert')
    await refusal.waitFor()
    t.match(await refusal.textContent(), /Forbidden \(403\): The tenant is suspended/, 'the refusal is shown')
    t.equal(await bossPage.locator('tr', { hasText: 'ACME-ONLY' }).count(), 0, 'no Acme data is left on screen')
    await shot(bossPage, '09-suspended')
    t.equal((await api(bossToken, 'GET', '/orders', undefined, { 'x-tenant-id': acmeId })).status, 403, 'the API refuses it')

    await row.getByRole('button', { name: /Reactivate/ }).click()
    await row.locator('.badge', { hasText: 'active' }).waitFor()
    t.equal((await api(bossToken, 'GET', '/orders', undefined, { 'x-tenant-id': acmeId })).status, 200, 'reactivated')
  })
  await t.test('8. the managed login: code grant with PKCE there and back, the code exchanged by the API, renewal, reload and sign-out', async t => {
    // The test plays Cognito's managed login: the authorize and logout pages at https://auth.console.test (navigations
    // of the page), and the token endpoint the API posts the code to (test/helpers/browser.ts). It checks what is
    // sent as Cognito would (the S256 challenge against the verifier, the redirect URI, the client) and answers with
    // real tokens from cognito-local.
    const seen: { challenge?: string, state?: string, logout?: string } = {}
    const tokens = tokenEndpoint!
    tokens.answer = async form => {
      t.equal(createHash('sha256').update(form.code_verifier ?? '').digest('base64url'), seen.challenge, 'the verifier matches the challenge')
      t.same([form.grant_type, form.code, form.client_id, form.redirect_uri], ['authorization_code', 'the-code', stack.clientId, managed.url])
      t.equal(form.client_secret, undefined, 'a public client: no secret')
      const issued = await cognitoSignIn(cognito, { clientId: stack.clientId, email: admin.email, password: admin.password })
      // The first access token lives 4 s (re-signed with cognito-local's shipped key), so the console must renew it
      // through its session within the test; the renewed one is cognito-local's own (REFRESH_TOKEN_AUTH at the API).
      return { status: 200, body: { access_token: shortLived(issued.accessToken, 4), id_token: issued.idToken, refresh_token: issued.refreshToken, expires_in: 3600, token_type: 'Bearer' } }
    }
    const page = await newPage()
    const pageCalls: string[] = []
    page.on('request', r => { pageCalls.push(`${r.method()} ${new URL(r.url()).host}${new URL(r.url()).pathname}`) })
    await page.context().route(`https://${MANAGED_DOMAIN}/**`, async route => {
      const url = new URL(route.request().url())
      if (url.pathname === '/oauth2/authorize') {
        const q = url.searchParams
        t.equal(q.get('response_type'), 'code')
        t.equal(q.get('client_id'), stack.clientId)
        t.equal(q.get('redirect_uri'), managed.url, 'the redirect URI is the console page')
        t.equal(q.get('code_challenge_method'), 'S256')
        seen.challenge = q.get('code_challenge') ?? undefined
        seen.state = q.get('state') ?? undefined
        await route.fulfill({ status: 302, headers: { location: `${managed.url}?code=the-code&state=${seen.state ?? ''}` } })
        return
      }
      if (url.pathname === '/logout') {
        seen.logout = url.search
        await route.fulfill({ status: 302, headers: { location: url.searchParams.get('logout_uri') ?? '/' } })
        return
      }
      await route.fulfill({ status: 404 })
    })
    await page.goto(`${managed.url}#/audit/demo`)
    // Email first (an address without SSO goes on to the managed login itself: test/browser/sso.test.ts).
    await page.getByLabel('Email').fill(admin.email)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.getByRole('heading', { name: 'Audit trail of Demo Tenant' }).waitFor()
    t.equal(new URL(page.url()).search, '', 'the code is gone from the address')
    t.match(page.url(), '#/audit/demo', 'back where the sign-in started')
    t.same(await page.evaluate('({ local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie })'), { local: [], session: [], cookie: '' }, 'the verifier is gone too; no token stored; the session cookie is HttpOnly')
    t.equal(tokens.grants.length, 1, 'the API exchanged the code once')
    t.equal(pageCalls.filter(c => c.includes('/oauth2/token')).length, 0, 'the page never called the token endpoint')
    await page.waitForTimeout(3500)
    t.ok(pageCalls.includes(`POST ${new URL(managed.url).host}/session/refresh`), 'renewed through the session before expiry')
    await page.waitForTimeout(1500)
    await page.getByRole('button', { name: 'Reload audit entries' }).click()
    await page.getByRole('status').filter({ hasText: 'Loading audit entries' }).waitFor({ state: 'detached' })
    t.equal(await page.getByRole('alert').count(), 0, 'past the first token\'s expiry, calls still succeed')
    await page.reload()
    await page.getByRole('heading', { name: 'Audit trail of Demo Tenant' }).waitFor()
    t.equal(tokens.grants.length, 1, 'a reload stays signed in without a new trip to the managed login')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    t.equal(seen.logout, `?client_id=${stack.clientId}&logout_uri=${encodeURIComponent(managed.url)}`, 'the managed login\'s logout, back to the console')
    t.ok(pageCalls.includes(`DELETE ${new URL(managed.url).host}/session`), 'the session was ended at the API first')
    await page.reload()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    t.pass('after sign-out a reload shows the sign-in')
    // A callback this browser did not ask for (a forged or replayed state) is refused, not exchanged.
    await page.goto(`${managed.url}?code=stolen&state=forged`)
    await page.getByRole('status').filter({ hasText: 'does not match this browser\'s request' }).waitFor()
    t.equal(new URL(page.url()).search, '', 'its parameters are dropped')
    t.equal(tokens.grants.length, 1, 'no code exchange for it')
    await page.context().close()
  })

  await t.test('9. projects: a member creates and archives one; only an admin deletes, after a confirmation', async t => {
    const page = await newPage()
    await signIn(page, member.email, member.password)
    await page.getByRole('link', { name: 'Projects' }).click()
    await page.getByRole('heading', { name: 'Projects of Demo Tenant' }).waitFor()
    await page.getByText('No projects yet.').waitFor()
    await page.getByLabel('Project name').fill('Website relaunch')
    await page.getByLabel('Description').fill('Q3')
    await page.getByRole('button', { name: 'Create project' }).click()
    const row = page.locator('tr', { hasText: 'Website relaunch' })
    await row.locator('.badge', { hasText: 'active' }).waitFor()
    await axe(t, page, 'projects')
    await row.getByRole('button', { name: /Archive/ }).click()
    await row.locator('.badge', { hasText: 'archived' }).waitFor()
    await page.getByLabel('Show').selectOption('active')
    await page.getByText('No active projects.').waitFor()
    t.pass('archived, and filtered out of the active ones')
    await page.getByLabel('Show').selectOption('')
    await row.waitFor()
    t.equal(await row.getByRole('button', { name: /^Delete/ }).count(), 0, 'a member is offered no delete')
    await page.context().close()

    await adminPage.getByRole('link', { name: 'Projects' }).click()
    const adminRow = adminPage.locator('tr', { hasText: 'Website relaunch' })
    await adminRow.getByRole('button', { name: /^Delete/ }).click()
    await adminPage.getByRole('dialog', { name: 'Delete project Website relaunch?' }).getByRole('button', { name: 'Delete project' }).click()
    await adminRow.waitFor({ state: 'detached' })
    await adminPage.getByText('No projects yet.').waitFor()
    t.pass('deleted by the admin')
  })

  await t.test('10. an admin renames the tenant; a person chooses a default tenant and leaves one; the last admin cannot', async t => {
    const page = adminPage
    await page.getByRole('link', { name: 'Tenant settings' }).click()
    await page.getByRole('heading', { name: 'Settings of Demo Tenant' }).waitFor()
    await axe(t, page, 'tenant settings')
    await page.getByLabel('Tenant name').fill('Demo Company')
    await page.getByRole('button', { name: 'Rename' }).click()
    await activeTenant(page).filter({ hasText: 'Demo Company' }).waitFor()
    t.pass('the header shows the new name')
    await page.getByRole('link', { name: 'Audit trail' }).click()
    await page.locator('tr', { hasText: 'tenant.updated' }).first().waitFor()

    // The last active admin is refused, and the page says why.
    await page.getByRole('link', { name: 'My account' }).click()
    await page.getByRole('heading', { name: 'My account' }).waitFor()
    await axe(t, page, 'my account')
    await page.getByRole('button', { name: 'Leave Demo Company' }).click()
    await page.getByRole('dialog', { name: 'Leave Demo Company?' }).getByText('deletes your account').waitFor()
    t.pass('leaving the only tenant says the account goes')
    await page.getByRole('button', { name: 'Leave and delete my account' }).click()
    t.match(await page.getByRole('alert').textContent(), /Conflict \(409\).*at least one admin/, 'the last admin is refused')

    const boss = await newPage()
    await signIn(boss, 'boss@acme.local', 'Boss-Passw0rd-1')
    await activeTenant(boss).waitFor()
    await boss.getByRole('link', { name: 'My account' }).click()
    await boss.getByLabel('Open in this tenant after sign-in').selectOption({ label: 'Demo Company' })
    await boss.getByRole('button', { name: 'Save default tenant' }).click()
    await boss.getByRole('status').filter({ hasText: 'your next sign-in opens in Demo Company' }).waitFor()
    t.pass('the default tenant is saved')
    await boss.getByRole('button', { name: 'Leave Demo Company' }).click()
    const ask = boss.getByRole('dialog', { name: 'Leave Demo Company?' })
    t.match(await ask.textContent(), /your other tenants stay/, 'not the last tenant: the account stays')
    await ask.getByRole('button', { name: 'Leave Demo Company' }).click()
    await boss.locator('li[data-tenant="Demo Company"]').waitFor({ state: 'detached' })
    t.pass('Demo is no longer listed')
    t.equal(await boss.getByLabel('Switch tenant').count(), 0, 'one tenant left: no switcher')
    const trail = await api(await tokenOf(admin.email, admin.password), 'GET', '/audit?limit=3', undefined, { 'x-tenant-id': 'demo' })
    t.match(trail.body?.items[0], { action: 'user.left', actorEmail: 'boss@acme.local' }, 'audited')
    await boss.context().close()
  })

  await t.test('11. an operator manages a tenant by name: its people, an appointed admin, a rename', async t => {
    const page = await newPage()
    await signIn(page, operator.email, operator.password)
    const row = page.locator('tr[data-tenant]', { hasText: 'Beta Ltd' })
    await row.getByRole('button', { name: 'Manage Beta Ltd' }).click()
    const panel = page.getByRole('region', { name: 'Manage Beta Ltd' })
    await panel.locator('tr[data-person="loner@solo.local"]', { hasText: 'admin' }).waitFor()
    t.pass('the tenant\'s admin is listed by address')
    await panel.getByLabel('Appoint as admin (email)').fill(member.email)
    await panel.getByRole('button', { name: 'Appoint admin' }).click()
    await panel.getByRole('status').filter({ hasText: `${member.email} is invited as an admin of Beta Ltd` }).waitFor()
    await panel.locator(`tr[data-person="${member.email}"]`, { hasText: 'invited' }).waitFor()
    await axe(t, page, 'tenant management')
    await panel.getByLabel('New name of Beta Ltd').fill('Beta Limited')
    await panel.getByRole('button', { name: 'Rename' }).click()
    await page.locator('tr[data-tenant]', { hasText: 'Beta Limited' }).waitFor()
    t.pass('renamed, listed by its new name')
    await page.context().close()
  })
}
