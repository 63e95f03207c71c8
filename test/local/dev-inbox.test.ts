// The local inbox (issue 27 item 6, done-when): wired as src/scripts/dev.ts wires it, the console server's /inbox shows
// an invitee's temporary password (from the Cognito shim) and an existing person's invitation notice (from the API).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { localCognitoClient } from '../../src/local/clients.js'
import { signIn } from '../../src/local/cognito-setup.js'
import { localConsoleConfig, startLocalStack } from '../../src/local/stack.js'
import { startConsoleServer } from '../../src/local/console.js'
import { deliverShimMessage } from '../../src/local/inbox.js'

t.setTimeout(180_000)

t.test('the dev inbox shows a new invitee\'s temporary password and an existing person\'s notice with its link', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-dev-inbox-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const inboxFile = join(dataDir, 'inbox.jsonl')
  const lines: string[] = []
  const stack = await startLocalStack({ dataDir, onMessage: m => { lines.push(deliverShimMessage(inboxFile, m)) } })
  t.teardown(stack.stop)
  // A stand-in build: the inbox page does not depend on the console's own files.
  const distDir = join(dataDir, 'dist')
  mkdirSync(distDir)
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>console</title>')
  const web = await startConsoleServer({ distDir, config: localConsoleConfig(stack, 'http://127.0.0.1:1'), inboxFile })
  t.teardown(web.close)
  const app = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: 'silent', CONSOLE_URL: web.url, MAIL_INBOX_FILE: inboxFile }))
  t.teardown(() => app.close())
  const cognito = localCognitoClient(stack.cognitoShim.endpoint)
  t.teardown(() => cognito.destroy())
  const token = async (role: string) => {
    const u = stack.demo.users.find(x => x.role === role)
    if (!u) throw new Error(`no demo ${role}`)
    return { authorization: `Bearer ${(await signIn(cognito, { clientId: stack.clientId, email: u.email, password: u.password })).accessToken}` }
  }

  const invited = await app.inject({ method: 'POST', url: '/users', headers: await token('admin'), payload: { email: 'newcomer@demo.local' } })
  t.equal(invited.statusCode, 201, invited.body)
  // member@demo.local has an account: made the first admin of a new tenant, only the API can tell them.
  const onboarded = await app.inject({ method: 'POST', url: '/tenants', headers: await token('operator'), payload: { name: 'Inbox Test Co', adminEmail: 'member@demo.local' } })
  t.equal(onboarded.statusCode, 201, onboarded.body)

  t.ok(web.inboxUrl, 'the console server serves an inbox')
  const res = await fetch(web.inboxUrl as string)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /text\/html/)
  const page = await res.text()
  const password = /temporary password (\S+)/.exec(lines.find(l => l.includes('newcomer@demo.local')) ?? '')?.[1]
  t.ok(password, 'a terminal line with the temporary password')
  t.ok(page.includes('newcomer@demo.local') && page.includes(password as string), 'the invitee\'s temporary password is in the inbox')
  t.ok(page.includes('member@demo.local') && page.includes('Inbox Test Co'), 'the existing person\'s notice is in the inbox')
  t.ok(page.includes(`<a href="${web.url}#/invitations">`), 'with a link to accept')
  t.notOk(/temporary password/.test(page.split('member@demo.local')[1]?.split('</article>')[0] ?? ''), 'the notice carries no password')
  t.equal((await fetch(new URL('/inbox', web.origin.replace('127.0.0.1', 'localhost')))).status, 200)
})

t.test('without an inbox file (the browser tests, any other use), /inbox does not exist', async (t) => {
  const distDir = mkdtempSync(join(tmpdir(), 'local-no-inbox-'))
  t.teardown(() => rmSync(distDir, { recursive: true, force: true }))
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>console</title>')
  const web = await startConsoleServer({ distDir, config: { apiUrl: 'http://127.0.0.1:1', region: 'us-east-1', userPoolId: 'us-east-1_x', clientId: 'c' } })
  t.teardown(web.close)
  t.equal(web.inboxUrl, undefined)
  t.equal((await fetch(`${web.origin}/inbox`)).status, 404)
})
