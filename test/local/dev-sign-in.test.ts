// The local stack `npm run dev` starts refuses sign-in where AWS does, on every path a person uses locally: the
// console's (its config.json endpoint and its own request code) and the README's curl command (as pasted, with the dev
// port variables set to this test's free ports). And every service it starts listens on loopback only.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AdminDisableUserCommand } from '@aws-sdk/client-cognito-identity-provider'
import t from 'tap'
import { localCognitoClient } from '../../src/local/clients.js'
import { localConsoleConfig, signInCommand, startLocalStack } from '../../src/local/stack.js'
import { startConsoleServer } from '../../src/local/console.js'
import { readmeBlock, runPasted } from '../helpers/readme.js'
import { passwordAuth, refreshAuth, send } from '../../web/src/auth/password.js'

const execFileAsync = promisify(execFile)
t.setTimeout(180_000)

const dataDir = mkdtempSync(join(tmpdir(), 'local-dev-sign-in-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const stack = await startLocalStack({ dataDir })
t.teardown(stack.stop)
const admin = localCognitoClient(stack.cognito.endpoint)
t.teardown(() => admin.destroy())
const member = stack.demo.users.find(u => u.role === 'member')
const demoAdmin = stack.demo.users.find(u => u.role === 'admin')
if (member === undefined || demoAdmin === undefined) throw new Error('no demo member or admin')
const console_ = localConsoleConfig(stack, 'http://127.0.0.1:3000')
if (console_.cognitoEndpoint === undefined) throw new Error('the console config has no cognitoEndpoint')
const consoleEndpoint = console_.cognitoEndpoint

// The README's sign-in command reads the client id from the console's config.json: a stand-in build serves it.
const distDir = join(dataDir, 'dist')
mkdirSync(distDir)
writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>console</title>')
const web = await startConsoleServer({ distDir, config: console_ })
t.teardown(web.close)
/** The README's sign-in command, as pasted, with the dev port variables naming this stack's ports (no API needed). */
const readmeSignIn = async () => await runPasted(`${readmeBlock('InitiateAuth')}\nprintf '%s' "$TOKEN"`, { api: 1, console: web.port, cognitoShim: stack.cognitoShim.port })

async function runShell (command: string): Promise<{ token: string, stderr: string }> {
  const { stdout, stderr } = await execFileAsync('bash', ['-c', `${command}\nprintf '%s' "$TOKEN"`]).catch((e: { stdout: string, stderr: string }) => e)
  return { token: stdout.trim(), stderr }
}

t.test('control: the enabled admin signs in through the console path and the printed command; the README command signs the member in', async t => {
  t.match((await readmeSignIn()).stdout, /^ey/, 'the README command sets TOKEN')
  const outcome = await send(passwordAuth(consoleEndpoint, stack.clientId, demoAdmin.email, demoAdmin.password))
  t.ok('tokens' in outcome, 'the console gets tokens')
  const { token } = await runShell(signInCommand(stack, demoAdmin))
  t.match(token, /^ey/, 'the banner command sets TOKEN')
})

t.test('a disabled user cannot sign in locally: console, banner command, README command, refresh', async t => {
  // A session from before the disable: its refresh token must stop working too.
  const before = await send(passwordAuth(consoleEndpoint, stack.clientId, member.email, member.password))
  const refreshToken = 'tokens' in before ? before.tokens.refreshToken : undefined
  t.ok(refreshToken, 'control: the member signed in while enabled')
  await admin.send(new AdminDisableUserCommand({ UserPoolId: stack.userPoolId, Username: member.userId }))

  await t.rejects(send(passwordAuth(consoleEndpoint, stack.clientId, member.email, member.password)), { message: 'User is disabled.' }, 'console sign-in')
  if (refreshToken !== undefined) {
    await t.rejects(send(refreshAuth(consoleEndpoint, stack.clientId, refreshToken)), { message: 'User is disabled.' }, 'console token refresh')
  }
  const banner = await runShell(signInCommand(stack, member))
  t.equal(banner.token, '', 'the banner command gets no token')
  t.match(banner.stderr, /User is disabled\./, 'and says why')
  const readme = await readmeSignIn()
  t.equal(readme.stdout, '', 'the README command (which signs in member@demo.local) gets no token')
  t.match(readme.stderr, /User is disabled\./, 'and says why')
})

t.test('every service of the stack listens on loopback only', async t => {
  t.equal(stack.env.HOST, '127.0.0.1', 'the API is told to listen on 127.0.0.1')
  const { stdout } = await execFileAsync('ss', ['-ltnH'])
  const ports = { 'DynamoDB Local': stack.dynamo.port, 'cognito-local': stack.cognito.port, shim: stack.cognitoShim.port }
  for (const [name, port] of Object.entries(ports)) {
    const local = stdout.split('\n').map(l => l.trim().split(/\s+/)[3] ?? '').filter(a => a.endsWith(`:${port}`))
    t.ok(local.length > 0, `${name} listens on ${port}`)
    t.same(local.filter(a => !/^(?:127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):\d+$/.test(a)), [], `${name} listens on loopback only (${local.join(', ')})`)
  }
})
