// SSO sign-in on the local stack, end to end in a real browser: the local console (`npm run dev`'s, test/helpers/
// browser.ts with `sso`) sends an address at a tenant's verified domain to the local managed login
// (src/local/managed-login.ts), which federates with the tenant's OpenID provider (oidc-provider on loopback, its
// development login and consent pages), runs our Cognito triggers and returns the person signed in, with their
// membership. Then the managed login's refusals, over HTTP: no tokens without the right state, code, verifier,
// provider and redirect URI.
import { createHash, randomBytes } from 'node:crypto'
import { AdminDisableUserCommand, AdminSetUserPasswordCommand, AdminUserGlobalSignOutCommand, InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { browserTest, startBrowserStack } from '../helpers/browser.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { startTestIdp } from '../helpers/oidc-idp.js'
import { SESSION_HEADER } from '../../src/session/same-site.js'

t.setTimeout(240_000)

await browserTest(t, 'SSO sign-in through a tenant\'s OIDC provider on the local stack', run)

async function run (t: Test): Promise<void> {
  const dns = await startDnsServer(t)
  const { stack, web, cognito, admin, operator, tokenOf, api, newPage, axe, activeTenant, shot } = await startBrowserStack(t, {
    sso: true,
    // The API would see a membership the triggers just made within its cache's 30 s (as on AWS); the test looks at once.
    env: { DNS_SERVERS: dns.server, SSO_ALLOW_PRIVATE_URLS: 'true', MEMBERSHIP_CACHE_TTL_SECONDS: '0' }
  })
  const login = stack.managedLogin.origin
  const idp = await startTestIdp(t, `${login}/oauth2/idpresponse`)
  const demo = { 'x-tenant-id': 'demo' }
  const adminToken = await tokenOf(admin.email, admin.password)
  const domain = 'federated-corp.example'

  // The demo tenant verifies the domain and connects its identity provider.
  const claim = await api(adminToken, 'POST', '/domains', { domain }, demo)
  t.equal(claim.status, 201, 'domain claimed')
  dns.txt.set(claim.body?.record.name as string, [claim.body?.record.value as string])
  t.equal((await api(adminToken, 'POST', `/domains/${domain}/verify`, undefined, demo)).status, 200, 'domain verified')
  const connection = await api(adminToken, 'POST', '/sso-connections', { type: 'OIDC', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }, demo)
  t.equal(connection.status, 201, `connection created: ${JSON.stringify(connection.body)}`)
  const providerName = connection.body?.providerName as string

  /** The IdP's pages, whichever it shows (login, consent), until the browser leaves the IdP. */
  const atIdp = async (page: Page, who: string) => {
    await page.waitForURL(u => u.origin === idp.issuer)
    while (new URL(page.url()).origin === idp.issuer) {
      const loginField = page.locator('input[name=login]')
      if (await loginField.count() > 0) {
        await loginField.fill(who)
        await page.locator('input[name=password]').fill('anything')
        await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Sign-in' }).click()])
      } else if (await page.getByRole('button', { name: 'Continue' }).count() > 0) {
        await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Continue' }).click()])
      } else {
        await page.waitForTimeout(100)
      }
    }
  }
  /** Email first in the local console, then the IdP: signed in when the console shows the active tenant. */
  const ssoSignIn = async (page: Page, email: string, who: string) => {
    await page.goto(web.url)
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Continue' }).click()
    await atIdp(page, who)
    await activeTenant(page).waitFor()
  }
  /** The page's session, asked of the API as the console does: its access token (refreshed through the shim). */
  const sessionToken = async (page: Page): Promise<string> => {
    const tokens = await page.evaluate(async (header) => {
      const res = await fetch('/session/refresh', { method: 'POST', headers: { [header]: '1' } })
      return await res.json() as { accessToken: string }
    }, SESSION_HEADER)
    return tokens.accessToken
  }
  const me = async (token: string) => (await api(token, 'GET', '/me')).body as { userId: string, tenants: Array<{ tenantId: string }> }

  await t.test('a person at the domain signs in through the IdP and lands with one membership, still one the second time', async t => {
    const email = `newcomer@${domain}`
    idp.person('newcomer', email)
    const page = await newPage()
    await ssoSignIn(page, email, 'newcomer')
    t.match(await activeTenant(page).textContent(), /Demo Tenant/, 'signed in, in the tenant of the connection')
    await shot(page, 'sso-federation-01-signed-in')
    const first = await me(await sessionToken(page))
    t.same(first.tenants.map(x => x.tenantId), ['demo'], 'exactly one active membership, of that tenant (refreshed through the shim)')
    await page.context().close()

    const again = await newPage()
    await ssoSignIn(again, email, 'newcomer')
    const second = await me(await sessionToken(again))
    t.equal(second.userId, first.userId, 'the same user')
    t.same(second.tenants.map(x => x.tenantId), ['demo'], 'still exactly one membership')
    await again.context().close()
  })

  await t.test('an existing password account with that verified address is linked, not duplicated, and keeps its other membership', async t => {
    const email = `linked@${domain}`
    const onboarded = await api(await tokenOf(operator.email, operator.password), 'POST', '/tenants', { name: 'Other Tenant', adminEmail: email })
    t.equal(onboarded.status, 201, 'the person is first admin of another tenant')
    const other = onboarded.body?.tenantId as string
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: stack.userPoolId, Username: email, Password: 'Linked-Passw0rd-1', Permanent: true }))
    const before = await me(await tokenOf(email, 'Linked-Passw0rd-1'))
    t.same(before.tenants.map(x => x.tenantId), [other], 'before: the other tenant only')

    idp.person('linked-person', email)
    const page = await newPage()
    await ssoSignIn(page, email, 'linked-person')
    const after = await me(await sessionToken(page))
    t.equal(after.userId, before.userId, 'signed in as the native user (linked)')
    t.same(after.tenants.map(x => x.tenantId).sort(), ['demo', other].sort(), 'joined the connection\'s tenant, kept the other')
    t.match(await tokenOf(email, 'Linked-Passw0rd-1'), /^ey/, 'the password still signs in (not overwritten)')
    await page.context().close()
  })

  await t.test('refusals: no tokens without the right state, code, verifier, provider and redirect URI', async t => {
    const redirectUri = web.url
    const verifier = randomBytes(32).toString('base64url')
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const authorize = (params: Record<string, string>) => `${login}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: stack.clientId, redirect_uri: redirectUri, scope: 'openid email', state: 'st', code_challenge_method: 'S256', code_challenge: challenge, identity_provider: providerName, ...params }).toString()}`
    const get = async (url: string) => await fetch(url, { redirect: 'manual' })
    const token = async (form: Record<string, string>) => {
      const res = await fetch(`${login}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: stack.clientId, redirect_uri: redirectUri, ...form }).toString() })
      return { status: res.status, body: await res.json() as Record<string, unknown> }
    }
    /** A real code for this test's challenge: the browser goes through the IdP back to the console's address. */
    const code = async (who: string) => {
      const page = await newPage()
      // The console's scripts are not loaded: the test, not the page, takes the code (a redirect is not routable).
      await page.route(url => url.href.startsWith(`${web.url}assets/`), async route => { await route.abort() })
      await page.goto(authorize({}))
      await atIdp(page, who)
      await page.waitForURL(url => url.href.startsWith(web.url))
      const at = new URL(page.url())
      await page.context().close()
      t.equal(at.searchParams.get('state'), 'st', 'the client\'s state comes back')
      return at.searchParams.get('code') ?? ''
    }
    idp.person('refused', `refused@${domain}`)

    const good = await code('refused')
    const exchanged = await token({ code: good, code_verifier: verifier })
    t.equal(exchanged.status, 200, 'the right verifier: tokens')
    t.match(exchanged.body, { access_token: /^ey/, id_token: /^ey/, refresh_token: /./, token_type: 'Bearer' })
    t.equal((await api(exchanged.body.access_token as string, 'GET', '/me')).status, 200, 'the API accepts the access token (cognito-local\'s key)')
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token as string })
    t.match(refreshed, { status: 200, body: { access_token: /^ey/, id_token: /^ey/ } }, 'the refresh token grant')
    const viaShim = async (refreshToken: string) => await cognito.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: stack.clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }))
    t.match((await viaShim(exchanged.body.refresh_token as string)).AuthenticationResult, { AccessToken: /^ey/, IdToken: /^ey/ }, 'REFRESH_TOKEN_AUTH through the shim, as the session does')
    const replayed = await token({ code: good, code_verifier: verifier })
    t.same([replayed.status, replayed.body], [400, { error: 'invalid_grant' }], 'a replayed code: refused')

    const other = await code('refused')
    const mismatch = await token({ code: other, code_verifier: randomBytes(32).toString('base64url') })
    t.same([mismatch.status, mismatch.body], [400, { error: 'invalid_grant' }], 'a PKCE mismatch: refused')
    const afterMismatch = await token({ code: other, code_verifier: verifier })
    t.equal(afterMismatch.status, 400, 'and the code is spent by the failed attempt')

    const wrongState = await get(`${login}/oauth2/idpresponse?state=not-ours&code=x`)
    t.equal(wrongState.status, 400, 'a wrong state at idpresponse: an error page')
    t.equal(wrongState.headers.get('location'), null, 'no redirect, so no code')

    const unknown = await get(authorize({ identity_provider: 'NoSuchProvider' }))
    const unknownAt = new URL(unknown.headers.get('location') ?? 'http://x/')
    t.equal(unknown.status, 302, 'an unknown provider: back to the client')
    t.equal(unknownAt.searchParams.get('error'), 'invalid_request', 'with an error')
    t.equal(unknownAt.searchParams.get('code'), null, 'and no code')

    const elsewhere = await get(authorize({ redirect_uri: 'http://127.0.0.1:1/steal' }))
    t.equal(elsewhere.status, 400, 'a redirect_uri the client does not allow: an error page')
    t.equal(elsewhere.headers.get('location'), null, 'never a redirect there')

    const noPkce = await get(authorize({ code_challenge: '' }))
    t.equal(new URL(noPkce.headers.get('location') ?? 'http://x/').searchParams.get('error'), 'invalid_request', 'no PKCE: refused')
    const badClient = await token({ client_id: 'another-client', code: 'x', code_verifier: verifier })
    t.same([badClient.status, badClient.body], [400, { error: 'invalid_client' }], 'another client: refused')

    // The shim ends the managed login's refresh tokens as Cognito does: revoked, a global sign-out, the user disabled.
    await cognito.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: exchanged.body.refresh_token as string }))
    await t.rejects(viaShim(exchanged.body.refresh_token as string), { name: 'NotAuthorizedException' }, 'a revoked refresh token: refused')
    const signedOut = await token({ code: await code('refused'), code_verifier: verifier })
    await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: stack.userPoolId, Username: `refused@${domain}` }))
    await t.rejects(viaShim(signedOut.body.refresh_token as string), { name: 'NotAuthorizedException' }, 'after a global sign-out: refused')
    const third = await token({ code: await code('refused'), code_verifier: verifier })
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: stack.userPoolId, Username: `refused@${domain}` }))
    await t.rejects(viaShim(third.body.refresh_token as string), { name: 'NotAuthorizedException', message: 'User is disabled.' }, 'a disabled user: refused')
    t.same((await token({ grant_type: 'refresh_token', refresh_token: third.body.refresh_token as string })).body, { error: 'invalid_grant' }, 'at the token endpoint too')

    const page = await newPage()
    await page.goto(authorize({ redirect_uri: 'http://127.0.0.1:1/steal' }))
    await page.getByRole('heading', { name: 'Sign-in error' }).waitFor()
    await axe(t, page, 'the local managed login\'s error page')
    await page.context().close()
  })
}
