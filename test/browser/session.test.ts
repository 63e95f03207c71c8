// Sign-in that survives a reload and a new tab (issue #27), in a real browser against the real local stack: the
// console's session lives at the API behind an HttpOnly cookie (docs/decisions/0023-console-session.md), so the page
// keeps no token anywhere scripts could read one later, and sign-out ends it at Cognito. Also: a disabled member keeps
// the header and a way out, and can sign out.
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { browserTest, startBrowserStack } from '../helpers/browser.js'

t.setTimeout(180_000)

await browserTest(t, 'the console\'s session in a browser, against the local stack', run)

async function run (t: Test): Promise<void> {
  const { stack, web, cognito, admin, member, tokenOf, api, newPage, signIn, activeTenant, axe, shot } = await startBrowserStack(t)
  const storage = async (page: Page) => await page.evaluate('({ local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie })')
  const cognitoRefresh = async (refreshToken: string) => await cognito.send(new InitiateAuthCommand({ ClientId: stack.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }))

  await t.test('signed in, a reload and a new tab stay signed in; sign-out ends the session everywhere, at Cognito too', async t => {
    const page = await newPage()
    // The refresh token the page got from Cognito's InitiateAuth and handed to the API: the test keeps it, the page does not.
    let handedOver: string | undefined
    page.on('request', r => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/session') handedOver = (r.postDataJSON() as { refreshToken?: string }).refreshToken })
    await signIn(page, admin.email, admin.password)
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    t.ok(handedOver !== undefined && handedOver.length > 20, 'the password flow\'s refresh token went to the API')
    await t.resolves(cognitoRefresh(handedOver as string), 'and it works at Cognito while signed in')
    const [cookie, ...others] = await page.context().cookies()
    t.same(others, [], 'one cookie')
    t.match(cookie, { name: '__Host-console-session', path: '/', httpOnly: true, secure: true, sameSite: 'Strict' }, 'the session cookie: __Host-, HttpOnly, Secure, SameSite=Strict')
    t.equal(cookie?.domain, '127.0.0.1', 'host-only, the console\'s own origin')
    t.same(await storage(page), { local: [], session: [], cookie: '' }, 'no token in localStorage or sessionStorage; the cookie is invisible to scripts')

    await page.getByRole('link', { name: 'Audit trail' }).click()
    await page.getByRole('heading', { name: 'Audit trail of Demo Tenant' }).waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Audit trail of Demo Tenant' }).waitFor()
    t.match(page.url(), '#/audit/demo', 'after a reload: still signed in, on the same screen')
    t.equal(await page.getByRole('button', { name: 'Continue' }).count(), 0, 'no sign-in form')
    t.same(await storage(page), { local: [], session: [], cookie: '' }, 'still nothing in web storage')
    await axe(t, page, 'the audit trail after a reload')

    const tab = await page.context().newPage()
    tab.on('pageerror', err => { t.fail(`page error: ${err.message}`) })
    await tab.goto(web.url)
    await activeTenant(tab).filter({ hasText: 'Demo Tenant' }).waitFor()
    await tab.getByText(admin.email).waitFor()
    t.pass('a new tab is signed in, as the same person')
    await shot(tab, 'session-new-tab')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor()
    await tab.getByRole('button', { name: 'Continue' }).waitFor()
    t.pass('the other tab is signed out at once')
    await axe(t, page, 'the sign-in after sign-out')
    t.same(await page.context().cookies(), [], 'the cookie is cleared')
    await page.reload()
    await page.getByRole('button', { name: 'Continue' }).waitFor()
    t.equal(await activeTenant(page).count(), 0, 'a reload shows the sign-in page')
    await t.rejects(cognitoRefresh(handedOver as string), { name: 'NotAuthorizedException' }, 'the old refresh token no longer works: Cognito refuses it')
    await page.context().close()
  })

  await t.test('a disabled member keeps the header and a way out, and can sign out', async t => {
    const page = await newPage()
    await signIn(page, member.email, member.password)
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    await page.getByRole('heading', { name: 'Orders of Demo Tenant' }).waitFor()
    const adminToken = await tokenOf(admin.email, admin.password)
    const disabled = await api(adminToken, 'PATCH', `/users/${member.userId}`, { status: 'disabled' }, { 'x-tenant-id': 'demo' })
    t.equal(disabled.status, 200, 'an admin disables the member')

    await page.getByRole('button', { name: 'Reload orders' }).click()
    const refusal = page.getByRole('alert')
    await refusal.waitFor()
    t.match(await refusal.textContent(), /Forbidden \(403\)/, 'the refusal is shown')
    t.equal(await page.getByRole('banner').count(), 1, 'the header stays')
    await page.getByText(member.email).waitFor()
    await axe(t, page, 'a disabled member\'s refusal')
    await shot(page, 'session-disabled-member')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor()
    await page.getByRole('button', { name: 'Continue' }).waitFor()
    t.pass('a disabled member can sign out')
    t.same(await page.context().cookies(), [], 'and the session is gone')
    await page.context().close()

    const enabled = await api(adminToken, 'PATCH', `/users/${member.userId}`, { status: 'active' }, { 'x-tenant-id': 'demo' })
    t.equal(enabled.status, 200, 'enabled again')
  })

  await t.test('when even the account cannot be loaded, the refusal offers Retry and Sign out', async t => {
    const page = await newPage()
    await page.route('**/me', async route => {
      await route.fulfill({ status: 503, headers: { 'content-type': 'application/problem+json', 'access-control-allow-origin': new URL(web.url).origin }, body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'A backing service is unavailable; retry shortly' }) })
    })
    await signIn(page, member.email, member.password)
    const refusal = page.getByRole('alert')
    await refusal.waitFor()
    t.match(await refusal.textContent(), /Service Unavailable \(503\)/, 'the refusal is shown')
    await axe(t, page, 'the account refused')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Continue' }).waitFor()
    t.same(await page.context().cookies(), [], 'signed out, the session ended')
    await page.context().close()
  })

  await t.test('a session whose person is disabled ends at the next reload: the sign-in page, no error', async t => {
    const page = await newPage()
    await signIn(page, member.email, member.password)
    await activeTenant(page).filter({ hasText: 'Demo Tenant' }).waitFor()
    const adminToken = await tokenOf(admin.email, admin.password)
    t.equal((await api(adminToken, 'PATCH', `/users/${member.userId}`, { status: 'disabled' }, { 'x-tenant-id': 'demo' })).status, 200)
    await page.reload()
    await page.getByRole('button', { name: 'Continue' }).waitFor()
    t.same(await page.context().cookies(), [], 'the API refused the session (Cognito refuses a disabled person\'s refresh) and cleared the cookie')
    await page.context().close()
    t.equal((await api(adminToken, 'PATCH', `/users/${member.userId}`, { status: 'active' }, { 'x-tenant-id': 'demo' })).status, 200)
  })
}
