// One local stack and one Chromium for a browser test file: DynamoDB Local, cognito-local behind the shim, the API on
// a free port, and the console built and served on another origin, as `npm run dev` does (so CORS is exercised as in
// production); optionally a second console on the same build that signs in through a (test-played) managed login,
// whose token endpoint the API calls (the console's session exchanges the code: docs/decisions/0023-console-session.md).
// Everything started here is stopped by the test's teardown.
import { createPrivateKey } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { localCognitoClient, localDynamoClient } from '../../src/local/clients.js'
import { signIn as cognitoSignIn } from '../../src/local/cognito-setup.js'
import { buildConsole, startConsoleServer, type ConsoleServer } from '../../src/local/console.js'
import { freePort } from '../../src/local/process.js'
import { localConsoleConfig, startLocalStack, type LocalStack } from '../../src/local/stack.js'
import { deliverShimMessage } from '../../src/local/inbox.js'
import type { ShimMessage } from '../../src/local/cognito-shim.js'
import { documentClient } from '../../src/aws.js'
import { signJwt } from './issuer.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'console-screenshots')
export const MANAGED_DOMAIN = 'auth.console.test'
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Runs `body` as one parent test (tap ends its root test on its own once it goes idle between assertions), or fails when Chromium is missing. */
export async function browserTest (t: Test, name: string, body: (t: Test) => Promise<void>): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`)
    return
  }
  await t.test(name, body)
}

export interface ApiAnswer { status: number, body: Record<string, any> | null, headers: Headers }

/** The managed login's token endpoint as the test plays it: the API posts the code there; `answer` says what it gets. */
export interface TokenEndpoint {
  /** Each form the API posted, in order. */
  grants: Array<Record<string, string>>
  answer?: (form: Record<string, string>) => Promise<{ status: number, body: Record<string, unknown> }>
}

/** A token endpoint on 127.0.0.1 (the API's COGNITO_DOMAIN; loopback is plain http), closed with the test. */
async function startTokenEndpoint (t: Test): Promise<{ endpoint: TokenEndpoint, domain: string }> {
  const endpoint: TokenEndpoint = { grants: [] }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body))
      if (req.url !== '/oauth2/token' || endpoint.answer === undefined) { res.writeHead(404).end(); return }
      endpoint.grants.push(form)
      endpoint.answer(form).then(a => res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body)), () => res.writeHead(500).end())
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return { endpoint, domain: `127.0.0.1:${(server.address() as AddressInfo).port}` }
}

export interface BrowserStackOptions {
  /** Also serve a console that signs in through the managed login at MANAGED_DOMAIN (the test plays it). */
  managed?: boolean
  /** Extra API environment (e.g. SSO settings). */
  env?: Record<string, string>
  /** The local console signs SSO addresses in through the stack's local managed login, as `npm run dev` does. */
  sso?: boolean
  /** A local inbox as `npm run dev` wires it: the shim's temporary passwords and the API's notices, at `inboxUrl`. */
  inbox?: boolean
}

export async function startBrowserStack (t: Test, options: BrowserStackOptions = {}) {
  mkdirSync(SHOTS, { recursive: true })
  const work = mkdtempSync(join(tmpdir(), 'console-browser-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))

  // The build runs while the emulators start.
  const inboxFile = options.inbox === true ? join(work, 'inbox.jsonl') : undefined
  const onMessage = inboxFile !== undefined ? { onMessage: (m: ShimMessage) => { deliverShimMessage(inboxFile, m) } } : {}
  const [stack] = await Promise.all([startLocalStack({ dataDir: join(work, 'local'), ...onMessage }), buildConsole(join(work, 'dist'))]) as [LocalStack, unknown]
  t.teardown(stack.stop)
  const consolePort = await freePort()
  const managedPort = options.managed === true ? await freePort() : undefined
  const consoleOrigin = `http://127.0.0.1:${consolePort}`
  const origins = managedPort === undefined ? consoleOrigin : `${consoleOrigin},http://127.0.0.1:${managedPort}`
  const mail = inboxFile !== undefined ? { MAIL_INBOX_FILE: inboxFile, CONSOLE_URL: `${consoleOrigin}/console/` } : {}
  const tokens = options.managed === true ? await startTokenEndpoint(t) : undefined
  const app = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: 'silent', CORS_ORIGINS: origins, ...mail, ...(tokens !== undefined ? { COGNITO_DOMAIN: tokens.domain } : {}), ...options.env }))
  t.teardown(() => app.close())
  const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const web = await startConsoleServer({ distDir: join(work, 'dist'), port: consolePort, config: localConsoleConfig(stack, apiUrl, options.sso === true ? { consoleUrl: `${consoleOrigin}/console/` } : undefined), ...(inboxFile !== undefined ? { inboxFile } : {}) })
  t.teardown(web.close)
  let managed: ConsoleServer | undefined
  if (managedPort !== undefined) {
    managed = await startConsoleServer({
      distDir: join(work, 'dist'),
      port: managedPort,
      config: { apiUrl, region: 'us-east-1', userPoolId: stack.userPoolId, clientId: stack.clientId, cognitoDomain: MANAGED_DOMAIN }
    })
    t.teardown(managed.close)
  }

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives every launch a fresh temporary profile (user data dir). The network flags keep Chromium from
    // calling home on a machine without internet, which otherwise fails noisily and slowly.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(() => browser.close())

  // Through the shim, as every local client: it refuses what Cognito refuses, and knows the temporary passwords.
  const cognito = localCognitoClient(stack.cognitoShim.endpoint)
  t.teardown(() => cognito.destroy())
  const dynamo = localDynamoClient(stack.dynamo.endpoint)
  const doc = documentClient(dynamo)
  t.teardown(() => { doc.destroy(); dynamo.destroy() })

  const tokenOf = async (email: string, password: string) => (await cognitoSignIn(cognito, { clientId: stack.clientId, email, password })).accessToken
  const api = async (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) as Record<string, any>, headers: res.headers }
  }
  const user = (role: string) => {
    const u = stack.demo.users.find(d => d.role === role)
    if (u === undefined) throw new Error(`no demo ${role}`)
    return u
  }

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    page.on('pageerror', err => { t.fail(`page error: ${err.message}`) })
    return page
  }
  /** The local console's email-first sign-in: the address, Continue (SSO discovery), then the password. */
  const signIn = async (page: Page, email: string, password: string, { open = true } = {}) => {
    if (open) await page.goto(web.url)
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Password', { exact: true }).fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }
  const activeTenant = (page: Page) => page.getByTestId('active-tenant')
  /** axe-core in the page: no serious or critical violation (labels, names, contrast, structure). */
  const axe = async (tt: Test, page: Page, screen: string) => {
    // Evaluated through the DevTools protocol: the console's CSP (script-src 'self') rightly refuses an inline script tag.
    await page.evaluate(AXE)
    // A string, evaluated in the page: this file is type-checked without the DOM library.
    const violations = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => v.id + ' (' + v.impact + '): ' + JSON.stringify(v.nodes.map(n => n.target))))`) as string[]
    tt.same(violations, [], `axe: no serious or critical violations on ${screen}`)
  }
  const localKey = createPrivateKey({ key: JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/keys/cognitoLocal.private.json'), 'utf8')).jwk, format: 'jwk' })
  /** The same token with `exp` `seconds` from now, signed again with cognito-local's key (LOCAL-SERVICES.md). */
  const shortLived = (token: string, seconds: number) => {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
    return signJwt({ alg: 'RS256', kid: 'CognitoLocal' }, { ...claims, exp: Math.floor(Date.now() / 1000) + seconds }, localKey)
  }
  const shot = async (page: Page, name: string) => { await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }) }

  return {
    stack,
    app,
    apiUrl,
    web,
    managed,
    /** With `managed`: the managed login's token endpoint, which the API calls. */
    tokenEndpoint: tokens?.endpoint,
    browser,
    cognito,
    doc,
    admin: user('admin'),
    member: user('member'),
    operator: user('operator'),
    tokenOf,
    api,
    newPage,
    signIn,
    activeTenant,
    axe,
    shortLived,
    shot
  }
}

export type BrowserStack = Awaited<ReturnType<typeof startBrowserStack>>
