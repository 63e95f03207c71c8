// The README's commands work as pasted against a stack on ports other than the defaults (issue 27, done-when): the
// sign-in block reads the dev port variables and the console's config.json, and the API examples then do what they say.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { startConsoleServer } from '../../src/local/console.js'
import { localConsoleConfig, startLocalStack } from '../../src/local/stack.js'
import { readmeBlock, runPasted } from '../helpers/readme.js'

t.setTimeout(180_000)

const dataDir = mkdtempSync(join(tmpdir(), 'local-readme-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const stack = await startLocalStack({ dataDir })
t.teardown(stack.stop)
const app = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: 'silent' }))
t.teardown(() => app.close())
const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' })
// A stand-in build: the commands read only the console's config.json.
const distDir = join(dataDir, 'dist')
mkdirSync(distDir)
writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>console</title>')
const web = await startConsoleServer({ distDir, config: localConsoleConfig(stack, apiUrl) })
t.teardown(web.close)
const ports = { api: Number(new URL(apiUrl).port), console: web.port, cognitoShim: stack.cognitoShim.port }

const signIn = readmeBlock('InitiateAuth')
const examples = readmeBlock('$A/health/ready')
const user = (role: string) => {
  const u = stack.demo.users.find(d => d.role === role)
  if (u === undefined) throw new Error(`no demo ${role}`)
  return u
}
/** The sign-in block for another user, as the README says: USERNAME and PASSWORD changed. */
const signInAs = (role: string) => signIn.replace('member@demo.local', user(role).email).replace('Demo-Passw0rd-Member', user(role).password)
const asAdmin = async (path: string) => {
  const token = (await runPasted(`set -e\n${signInAs('admin')}\nprintf '%s' "$TOKEN"`, ports)).stdout
  return await (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-tenant-id': 'demo' } })).json() as { items: Array<Record<string, unknown>> }
}

t.test('the stack runs on none of the default ports', async t => {
  for (const port of Object.values(ports)) t.notOk([3000, 3001, 9229, 9230].includes(port), `port ${port}`)
  t.notMatch(signIn + examples, /127\.0\.0\.1:\d/, 'no literal port in the README\'s commands: each comes from a variable (default after :-)')
})

t.test('the sign-in block, as pasted, signs the member in', async t => {
  const { stdout, stderr, code } = await runPasted(`set -e\n${signIn}\ncurl -sS -H "Authorization: Bearer $TOKEN" $A/me`, ports)
  t.equal(code, 0, code === 0 ? 'exit 0' : stderr)
  t.match(JSON.parse(stdout), { email: user('member').email, tenantId: 'demo' })
})

t.test('the API examples, as the admin: ready, /me, an order created then confirmed, an invitation', async t => {
  const script = examples.split('\n').filter(l => !l.includes('# operator')).join('\n')
  const { stdout, stderr, code } = await runPasted(`set -e\n${signInAs('admin')}\n${script}`, ports)
  t.equal(code, 0, code === 0 ? 'exit 0' : stderr)
  t.match(stdout, `"email":"${user('admin').email}"`, '/me answers')
  t.match((await asAdmin('/orders')).items, [{ status: 'confirmed', items: [{ sku: 'A-1', quantity: 2, unitPrice: 1250 }] }], 'the order, confirmed through its ETag')
  t.match((await asAdmin('/users?limit=100')).items.find(u => u.email === 'new@demo.local'), { status: 'invited', groups: ['members'] }, 'the invitation')
})

t.test('the operator\'s example, as the operator: a tenant onboarded', async t => {
  const line = examples.split('\n').filter(l => l.startsWith('H=') || l.includes('# operator')).join('\n')
  const { stderr, code } = await runPasted(`set -e\n${signInAs('operator')}\n${line}`, ports)
  t.equal(code, 0, code === 0 ? 'exit 0' : stderr)
  const token = (await runPasted(`set -e\n${signInAs('operator')}\nprintf '%s' "$TOKEN"`, ports)).stdout
  const tenants = await (await fetch(`${apiUrl}/tenants?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: Array<{ name: string }> }
  t.ok(tenants.items.some(x => x.name === 'Acme'), 'Acme is onboarded')
})
