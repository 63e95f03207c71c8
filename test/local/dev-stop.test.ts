// `npm run dev` as an IDE runs it: on non-default ports (every one set through its variable), it listens on loopback
// only, and a SIGTERM, SIGHUP or SIGINT sent to the npm process alone (not its group) stops every child and frees every
// port. A port that is taken fails the start clearly instead of printing "Local stack ready". And it is quiet: no AWS SDK
// notice, the API's log lines prettified.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { freePort } from '../../src/local/process.js'
import { childEnv } from '../helpers/child-env.js'

const execFileAsync = promisify(execFile)
t.setTimeout(300_000)
const root = new URL('../..', import.meta.url).pathname

interface Dev { npm: ChildProcess, ports: Record<string, number>, output: () => string, exited: Promise<number | null> }

async function startDev (t: Test, env: Record<string, string> = {}): Promise<Dev> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dev-stop-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const ports = {
    DEV_API_PORT: await freePort(),
    DEV_CONSOLE_PORT: await freePort(),
    DEV_DYNAMODB_PORT: await freePort(),
    DEV_COGNITO_PORT: await freePort(),
    DEV_COGNITO_SHIM_PORT: await freePort(),
    DEV_MANAGED_LOGIN_PORT: await freePort()
  }
  const childEnvVars: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DEV_DATA_DIR: dataDir, ...env }
  delete childEnvVars.NODE_OPTIONS // tap's loaders; npm run dev brings its own
  delete childEnvVars.PORT
  const npm = spawn('npm', ['run', 'dev'], { cwd: root, env: childEnv(childEnvVars), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  npm.stdout?.on('data', (c: Buffer) => { output += c.toString() })
  npm.stderr?.on('data', (c: Buffer) => { output += c.toString() })
  const exited = new Promise<number | null>(resolve => npm.once('exit', code => resolve(code)))
  const parsed: Record<string, number> = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, Number(env[k] ?? v)]))
  return { npm, ports: parsed, output: () => output, exited }
}

async function waitFor (check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(200)
  }
  return false
}

async function listeners (): Promise<Array<{ address: string, port: number, pids: number[] }>> {
  const { stdout } = await execFileAsync('ss', ['-ltnpH'])
  return stdout.split('\n').filter(l => l.trim() !== '').map(line => {
    const local = line.trim().split(/\s+/)[3] ?? ''
    const port = Number(local.slice(local.lastIndexOf(':') + 1))
    return { address: local.slice(0, local.lastIndexOf(':')), port, pids: [...line.matchAll(/pid=(\d+)/g)].map(m => Number(m[1])) }
  })
}

/** Every process below `pid`, from /proc. */
function descendants (pid: number): number[] {
  const all: Array<{ pid: number, ppid: number }> = []
  for (const entry of readdirSync('/proc').filter(e => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      all.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) })
    } catch { /* gone meanwhile */ }
  }
  const out: number[] = []
  const visit = (p: number) => { for (const c of all.filter(x => x.ppid === p)) { out.push(c.pid); visit(c.pid) } }
  visit(pid)
  return out
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }

async function portFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  t.test(`${signal} to the npm process alone stops the whole stack and frees every port`, async t => {
    const dev = await startDev(t)
    let pids: number[] = []
    t.teardown(() => { for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL') })
    const ready = await waitFor(() => dev.output().includes('Local stack ready') && dev.output().includes('Server listening'), 150_000)
    t.ok(ready, 'the banner, then the API listening')
    if (!ready) { t.comment(dev.output()); return }
    t.notMatch(dev.output(), /NodeVersionSupportWarning/, 'quiet: no AWS SDK Node-version notice')
    t.notMatch(dev.output(), /^\{"level"/m, 'the API\'s log lines are prettified')

    const listening = (await listeners()).filter(l => Object.values(dev.ports).includes(l.port))
    for (const [name, port] of Object.entries(dev.ports)) {
      const on = listening.filter(l => l.port === port)
      t.ok(on.length > 0, `${name} ${port} is listened on`)
      t.same(on.filter(l => !['127.0.0.1', '[::ffff:127.0.0.1]'].includes(l.address)).map(l => l.address), [], `${name} on loopback only`)
    }
    // Every process the stack runs: npm's descendants, plus the services (own process groups, still npm's descendants).
    pids = [...new Set([...descendants(dev.npm.pid ?? -1), ...listening.flatMap(l => l.pids)])]
    t.ok(pids.length >= 5, `control: found the stack's processes (${pids.length})`)

    process.kill(dev.npm.pid ?? -1, signal)
    const freed = await waitFor(async () => (await Promise.all(Object.values(dev.ports).map(portFree))).every(Boolean), 15_000)
    t.ok(freed, `every port is free within 15 s of ${signal}`)
    const gone = await waitFor(() => pids.every(p => !alive(p)), 5_000)
    t.same(pids.filter(alive), [], 'no process of the stack remains')
    if (!freed || !gone) t.comment(dev.output().slice(-3000))
    await Promise.race([dev.exited, sleep(5000)])
  })
}

t.test('a taken DEV_API_PORT fails the start clearly, with no "Local stack ready"', async t => {
  const blocker = createServer()
  const port = await freePort()
  await new Promise<void>(resolve => blocker.listen(port, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const dev = await startDev(t, { DEV_API_PORT: String(port) })
  const exit = await Promise.race([dev.exited, sleep(150_000).then(() => 'timeout' as const)])
  if (exit === 'timeout') {
    for (const pid of descendants(dev.npm.pid ?? -1)) process.kill(pid, 'SIGKILL')
    dev.npm.kill('SIGKILL')
  }
  t.not(exit, 0, 'npm run dev fails')
  t.not(exit, 'timeout', 'and exits')
  t.notMatch(dev.output(), /Local stack ready/)
  t.match(dev.output(), new RegExp(`Port ${port} is already in use.*DEV_API_PORT`))
})
