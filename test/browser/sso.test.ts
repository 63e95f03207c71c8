// The console's verified domains, SSO connections and email-first sign-in in a real browser against the local stack
// (test/helpers/browser.ts), with a DNS server (dns2) and a customer's identity provider (OIDC discovery and SAML
// metadata) on loopback, served by the test. The scenarios run in order on one stack; later ones use earlier data.
import { readFileSync } from 'node:fs'
import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { browserTest, MANAGED_DOMAIN, startBrowserStack } from '../helpers/browser.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { startOidcIssuer } from '../helpers/sso.js'

t.setTimeout(240_000)

const metadata = readFileSync(new URL('../fixtures/saml-idp-metadata.xml', import.meta.url), 'utf8')

await browserTest(t, 'domains, SSO connections and the email-first sign-in in a browser', run)

async function run (t: Test): Promise<void> {
  const dns = await startDnsServer(t)
  const idp = await startOidcIssuer(t, metadata)
  const { stack, web, managed: managedConsole, cognito, admin, operator, tokenOf, api, newPage, signIn, axe, shot } = await startBrowserStack(t, {
    managed: true,
    // Domain verification asks the test's DNS server; the IdP is on loopback over http (development only); the
    // managed login domain is the one the managed console uses, so the IT-admin URLs name it.
    env: { DNS_SERVERS: dns.server, SSO_ALLOW_PRIVATE_URLS: 'true', COGNITO_DOMAIN: MANAGED_DOMAIN }
  })
  const managed = managedConsole!
  const demo = { 'x-tenant-id': 'demo' }
  const adminToken = async () => await tokenOf(admin.email, admin.password)
  const first = 'sso-corp.example'
  const second = 'sso-saml.example'
  let oidcProvider = ''

  const adminPage = await newPage()
  const card = (page: Page, domain: string) => page.locator(`li[data-domain="${domain}"]`)
  /** Adds a domain in the console and returns the TXT record it shows. */
  const addDomain = async (page: Page, domain: string) => {
    await page.getByLabel('Domain', { exact: true }).fill(domain)
    await page.getByRole('button', { name: 'Add domain' }).click()
    const c = card(page, domain)
    await c.waitFor()
    return {
      name: (await c.locator(`[data-copy="record name for ${domain}"]`).textContent()) ?? '',
      value: (await c.locator(`[data-copy="record value for ${domain}"]`).textContent()) ?? ''
    }
  }
  const verify = async (page: Page, domain: string) => {
    await card(page, domain).getByRole('button', { name: `Verify ${domain}` }).click()
  }

  await t.test('1. an admin adds a domain, sees the TXT record, publishes it, verifies it and chooses a policy', async t => {
    const page = adminPage
    await signIn(page, admin.email, admin.password)
    await page.getByRole('link', { name: 'Domains', exact: true }).click()
    await page.getByRole('heading', { name: 'Domains of Demo Tenant' }).waitFor()
    await page.getByText('No domains yet.').waitFor()
    const record = await addDomain(page, first)
    t.equal(record.name, `_tenant-verification.${first}`, 'the record name to publish')
    t.match(record.value, /^tenant-verification=[A-Za-z0-9_-]{20,}$/, 'and its value')
    t.match(await card(page, first).textContent(), /pending.*The claim ends unverified on/s, 'pending, with the claim\'s expiry')
    await card(page, first).getByRole('button', { name: `Copy record value for ${first}` }).waitFor()
    await axe(t, page, 'domains (pending)')

    // Verified too early: the 409 says what DNS holds at the name.
    dns.txt.set(record.name, ['tenant-verification=a-stale-token'])
    await verify(page, first)
    const refusal = card(page, first).getByRole('alert')
    await refusal.waitFor()
    t.match(await refusal.textContent(), /Conflict \(409\).*No TXT record.*found "tenant-verification=a-stale-token"/s, 'the refusal shows what was found')

    dns.txt.set(record.name, [record.value])
    await verify(page, first)
    await card(page, first).getByRole('status').filter({ hasText: `${first} is verified.` }).waitFor()
    t.match(await card(page, first).locator('.badge').textContent(), 'verified')
    t.equal(await card(page, first).getByRole('alert').count(), 0, 'the earlier refusal is gone')

    // The policy, saved through the API.
    const policy = card(page, first).getByRole('group', { name: `People with an address at ${first}` })
    t.match(await policy.textContent(), /Off.*Suggest.*Join/s, 'the three policies, explained')
    await policy.getByRole('radio', { name: /^Suggest/ }).check()
    await card(page, first).getByRole('button', { name: `Save policy for ${first}` }).click()
    await card(page, first).getByRole('status').filter({ hasText: 'Saved: Suggest.' }).waitFor()
    const listed = await api(await adminToken(), 'GET', '/domains', undefined, demo)
    t.match(listed.body?.items, [{ domain: first, status: 'verified', policy: 'suggest' }], 'saved')
    await axe(t, page, 'domains (verified)')
    await shot(page, 'sso-01-domains')
  })

  await t.test('2. a second tenant\'s admin cannot claim the verified domain: the console shows the refusal', async t => {
    const operatorToken = await tokenOf(operator.email, operator.password)
    const other = await api(operatorToken, 'POST', '/tenants', { name: 'Other Corp', adminEmail: 'boss@other.local' })
    t.equal(other.status, 201, 'onboarded Other Corp')
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: stack.userPoolId, Username: 'boss@other.local', Password: 'Boss-Passw0rd-1', Permanent: true }))
    const page = await newPage()
    await signIn(page, 'boss@other.local', 'Boss-Passw0rd-1')
    await page.getByRole('link', { name: 'Domains', exact: true }).click()
    await page.getByLabel('Domain', { exact: true }).fill(first)
    await page.getByRole('button', { name: 'Add domain' }).click()
    const refusal = page.getByRole('alert')
    await refusal.waitFor()
    t.match(await refusal.textContent(), 'Conflict (409): The domain is verified by another tenant', 'refused, and said so')
    t.equal(await card(page, first).count(), 0, 'no claim listed')
    await page.context().close()
  })

  await t.test('3. the admin connects OIDC and SAML providers, sees what the IT admin needs, never the secret, and deletes one', async t => {
    const page = adminPage
    await page.getByRole('link', { name: 'SSO', exact: true }).click()
    await page.getByRole('heading', { name: 'SSO connections of Demo Tenant' }).waitFor()
    await page.getByText('No SSO connections yet.').waitFor()
    t.match(await page.getByTestId('sso-required').textContent(), 'SSO is not required')

    // An issuer whose discovery document names another issuer: the API's 400 explanation at the form.
    await page.getByLabel('Issuer URL').fill(idp.issuer('wrong-issuer'))
    await page.getByLabel('Client ID').fill('demo-console')
    await page.getByLabel('Client secret').fill('a-very-secret-value')
    await page.getByRole('button', { name: 'Create connection' }).click()
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'New connection' }) })
    const invalid = form.getByRole('alert')
    await invalid.waitFor()
    t.match(await invalid.textContent(), /Bad Request \(400\).*not usable.*issuer.*the document names issuer "https:\/\/elsewhere\.example"/s, 'the 400 explains what is wrong')

    const issuer = idp.issuer()
    await page.getByLabel('Issuer URL').fill(issuer)
    await page.getByLabel('Client secret').fill('a-very-secret-value')
    await page.getByRole('button', { name: 'Create connection' }).click()
    await form.getByRole('status').filter({ hasText: `for ${first}` }).waitFor()
    const oidc = page.locator('li[data-provider]', { hasText: 'OIDC' })
    await oidc.waitFor()
    oidcProvider = (await oidc.getAttribute('data-provider')) ?? ''
    t.match(oidcProvider, /^sso-[0-9a-f]{12}$/, 'the provider\'s name')
    t.match(await oidc.textContent(), new RegExp(`Domains${first.replace(/\./g, '\\.')}.*Issuer${issuer.replace(/[.?/]/g, '\\$&')}.*Client IDdemo-console.*Scopesopenid email profile`, 's'), 'type, name, domains, issuer, client id, scopes')
    t.equal(await oidc.locator(`[data-copy="redirect URI for ${oidcProvider}"]`).textContent(), `https://${MANAGED_DOMAIN}/oauth2/idpresponse`, 'the redirect URI for the IT admin, copyable')
    t.equal(await page.getByLabel('Client secret').inputValue(), '', 'the secret left the form')

    // A second verified domain for the SAML connection (one connection per domain).
    await page.getByRole('link', { name: 'Domains', exact: true }).click()
    const record = await addDomain(page, second)
    dns.txt.set(record.name, [record.value])
    await verify(page, second)
    await card(page, second).getByRole('status').filter({ hasText: `${second} is verified.` }).waitFor()
    await page.getByRole('link', { name: 'SSO', exact: true }).click()
    await page.getByRole('radio', { name: 'SAML 2.0' }).check()
    await page.getByLabel('Metadata URL').fill(`${idp.base}/saml/metadata`)
    await page.getByRole('button', { name: 'Create connection' }).click()
    const saml = page.locator('li[data-provider]', { hasText: 'SAML' })
    await saml.waitFor()
    const samlProvider = (await saml.getAttribute('data-provider')) ?? ''
    t.match(await saml.textContent(), new RegExp(`Domains${second.replace(/\./g, '\\.')}.*IdP entity ID.*Metadata${idp.base.replace(/[.?/]/g, '\\$&')}/saml/metadata`, 's'))
    t.equal(await saml.locator(`[data-copy="entity ID for ${samlProvider}"]`).textContent(), `urn:amazon:cognito:sp:${stack.userPoolId}`, 'the SAML entity ID')
    t.equal(await saml.locator(`[data-copy="ACS URL for ${samlProvider}"]`).textContent(), `https://${MANAGED_DOMAIN}/saml2/idpresponse`, 'the ACS URL')
    t.notMatch(await page.locator('main').textContent(), /a-very-secret-value|client_secret/, 'no secret on the page')
    await axe(t, page, 'SSO connections (with data)')
    await shot(page, 'sso-02-connections')

    await saml.getByRole('button', { name: `Delete connection ${samlProvider}` }).click()
    const dialog = page.getByRole('dialog', { name: `Delete the connection ${samlProvider}?` })
    t.match(await dialog.textContent(), `People at ${second} can no longer sign in through this identity provider`)
    await dialog.getByRole('button', { name: 'Delete connection' }).click()
    await saml.waitFor({ state: 'detached' })
    const left = await api(await adminToken(), 'GET', '/sso-connections', undefined, demo)
    t.same(left.body?.items.map((c: { providerName: string }) => c.providerName), [oidcProvider], 'the SAML connection is gone, the OIDC one stays')

    // The freed domain again, with the metadata uploaded as a file (the API takes the XML itself).
    await page.getByRole('radio', { name: 'SAML 2.0' }).check()
    await page.getByRole('radio', { name: 'Upload the XML file' }).check()
    await page.getByLabel('Metadata file').setInputFiles({ name: 'idp-metadata.xml', mimeType: 'application/xml', buffer: Buffer.from(metadata) })
    await page.getByRole('button', { name: 'Create connection' }).click()
    const uploaded = page.locator('li[data-provider]', { hasText: 'SAML' })
    await uploaded.waitFor()
    t.match(await uploaded.textContent(), new RegExp(`Domains${second.replace(/\./g, '\\.')}.*Metadatauploaded file`, 's'), 'a SAML connection from the uploaded metadata')
  })

  const ssoAddress = `someone@${first}`
  await t.test('4. the local console tells an SSO address that SSO needs the managed login, and still offers a password', async t => {
    const page = await newPage()
    await page.goto(web.url)
    await page.getByLabel('Email').fill(ssoAddress)
    await page.getByRole('button', { name: 'Continue' }).click()
    const told = page.getByTestId('sso-local')
    await told.waitFor()
    t.match(await told.textContent(), new RegExp(`${first.replace(/\./g, '\\.')} signs in with single sign-on.*${oidcProvider}.*needs the deployed managed login.*sign in with a password instead`, 's'))
    await page.getByLabel('Password', { exact: true }).waitFor()
    t.pass('not required: the password is offered')
    await axe(t, page, 'email-first sign-in (local, SSO domain)')
    await page.getByRole('button', { name: 'Use another email' }).click()
    await page.getByLabel('Email').fill(admin.email)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Password', { exact: true }).waitFor()
    t.equal(await told.count(), 0, 'another domain: no SSO message')
    await page.context().close()
  })

  await t.test('5. the admin requires SSO after a confirmation that says password sessions are signed out', async t => {
    const page = adminPage
    await page.getByRole('button', { name: 'Require SSO' }).click()
    const dialog = page.getByRole('dialog', { name: 'Require SSO?' })
    t.match(await dialog.textContent(), new RegExp(`People at ${first.replace(/\./g, '\\.')}, ${second.replace(/\./g, '\\.')} must then sign in through the identity provider.*password sessions are signed out`, 's'))
    await axe(t, page, 'SSO enforcement confirmation')
    await dialog.getByRole('button', { name: 'Require SSO' }).click()
    const done = page.getByRole('status').filter({ hasText: 'SSO is required at' })
    await done.waitFor()
    t.match(await done.textContent(), new RegExp(`(${first}, ${second}|${second}, ${first})\\. 0 password session\\(s\\) signed out`.replace(/\.(?=example)/g, '\\.')), 'both domains; nobody at them had a password session')
    t.match(await page.getByTestId('sso-required').textContent(), 'SSO is required')
    const enforcement = await api(await adminToken(), 'GET', '/sso-connections/enforcement', undefined, demo)
    t.same(enforcement.body, { required: true }, 'required, through the API')

    const local = await newPage()
    await local.goto(web.url)
    await local.getByLabel('Email').fill(ssoAddress)
    await local.getByRole('button', { name: 'Continue' }).click()
    const told = local.getByTestId('sso-local')
    await told.waitFor()
    t.match(await told.textContent(), 'requires single sign-on there, so password sign-in is refused')
    t.equal(await local.getByLabel('Password', { exact: true }).count(), 0, 'required: no password field')
    await shot(local, 'sso-03-local-sso-address')
    await local.context().close()
  })

  await t.test('6. the managed-login console sends an SSO address to its identity provider, any other to the managed login', async t => {
    const authorized: URL[] = []
    const page = await newPage()
    await page.context().route(`https://${MANAGED_DOMAIN}/**`, async route => {
      const url = new URL(route.request().url())
      if (url.pathname === '/oauth2/authorize') authorized.push(url)
      // The IdP's sign-in page (or the managed login's) is where this test stops.
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/html' }, body: '<!doctype html><html lang="en"><title>Sign-in page</title><h1>Sign-in page</h1></html>' })
    })
    await page.goto(managed.url)
    await page.getByLabel('Email').waitFor()
    await axe(t, page, 'email-first sign-in (managed)')
    await shot(page, 'sso-04-managed-sign-in')
    await page.getByLabel('Email').fill(ssoAddress)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`https://${MANAGED_DOMAIN}/**`)
    const sso = authorized[0]
    t.equal(sso?.searchParams.get('identity_provider'), oidcProvider, 'straight to the tenant\'s identity provider')
    t.equal(sso?.searchParams.get('client_id'), stack.clientId)
    t.equal(sso?.searchParams.get('code_challenge_method'), 'S256', 'PKCE as always')
    t.equal(sso?.searchParams.get('redirect_uri'), managed.url)

    await page.goto(managed.url)
    await page.getByLabel('Email').fill(admin.email)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`https://${MANAGED_DOMAIN}/**`)
    const plain = authorized[1]
    t.equal(plain?.searchParams.get('identity_provider'), null, 'no SSO domain: the managed login itself')
    t.equal(plain?.searchParams.get('code_challenge_method'), 'S256')
    t.not(plain?.searchParams.get('state'), sso?.searchParams.get('state'), 'a fresh state per sign-in')
    await page.context().close()
  })
}
