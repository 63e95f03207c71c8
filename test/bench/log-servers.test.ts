// The logging-cost pair (bench/logging.ts) measures what it says: both servers are the whole app answering GET /me for
// the bench token, and the one at `info` really writes one access line per request to its destination while the one
// at `warn` writes none (a ratio between two servers that both log nothing would be meaningless).
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { benchData } from '../../bench/stack.js'
import { runBenchEndHooks, startServers, type RunningServer } from '../../bench/lib.js'
import { childEnv } from '../helpers/child-env.js'

const accessLines = (file: string) => existsSync(file)
  ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>).filter(l => l.msg === 'request')
  : []

t.test('bench/servers/app-log.ts at warn and at info', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { env, token } = await benchData()
  t.teardown(runBenchEndHooks)
  const files = { warn: join(dir, 'warn.log'), info: join(dir, 'info.log') }
  const server = new URL('../../bench/servers/app-log.ts', import.meta.url)
  const [warn, info] = await startServers(
    [server, childEnv({ ...env, LOG_LEVEL: 'warn', BENCH_LOG_FILE: files.warn }), 1],
    [server, childEnv({ ...env, LOG_LEVEL: 'info', BENCH_LOG_FILE: files.info }), 1]
  ) as [RunningServer, RunningServer]
  t.teardown(() => Promise.all([warn.close(), info.close()]))

  const headers = { authorization: `Bearer ${token()}` }
  const requests = 25
  for (const [name, s] of [['warn', warn], ['info', info]] as const) {
    for (let i = 0; i < requests; i++) {
      const res = await fetch(`${s.url}/me`, { headers })
      t.equal(res.status, 200, `${name}: GET /me answers 200`)
      await res.text()
    }
  }
  // The info server writes asynchronously: wait until its lines are in the file (or give up after 10 s).
  for (let waited = 0; accessLines(files.info).length < requests && waited < 10_000; waited += 50) await sleep(50)
  const lines = accessLines(files.info)
  t.equal(lines.length, requests, 'info: one access line per request in its destination')
  t.ok(lines.every(l => l.route === '/me' && l.status === 200 && l.userId === 'user-123' && l.tenantId === 'bench'), 'each names the route, status, user and tenant')
  t.equal(accessLines(files.warn).length, 0, 'warn: no access line')
})
