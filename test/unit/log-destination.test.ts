// The server's log destination (src/log-destination.ts): lines a buffering destination holds are written by
// flushLogs, which close-with-grace runs on shutdown (src/server.ts), so no line is lost.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { flushLogs, logDestination } from '../../src/log-destination.js'

const lines = (file: string) => existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []

t.test('flushLogs writes the lines a buffering destination holds', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'log-dest-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'held.log')
  const destination = logDestination({ dest: file, sync: false, minLength: 4096 })
  await once(destination, 'ready')
  const log = pino(destination)
  for (let i = 0; i < 3; i++) log.info({ i }, 'request')
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(lines(file).length, 0, 'held: less than minLength bytes, nothing written yet')
  await flushLogs(destination)
  t.same(lines(file).map(l => (JSON.parse(l) as { i: number }).i), [0, 1, 2], 'all three written, in order')
  destination.end()
})

t.test('flushLogs with the server\'s own write mode, and with asynchronous writes in flight', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'log-dest-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'server.log')
  const destination = logDestination({ dest: file })
  await once(destination, 'ready')
  const log = pino(destination)
  for (let i = 0; i < 200; i++) log.info({ i }, 'request')
  await flushLogs(destination)
  t.equal(lines(file).length, 200, 'every line written once flushLogs resolves')
  destination.end()
})

t.test('flushLogs waits for an asynchronous write in flight', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'log-dest-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'async.log')
  const destination = logDestination({ dest: file, sync: false, minLength: 0 })
  await once(destination, 'ready')
  const log = pino(destination)
  for (let i = 0; i < 2000; i++) log.info({ i }, 'request')
  await flushLogs(destination)
  t.equal(lines(file).length, 2000, 'every line written once flushLogs resolves')
  destination.end()
})

t.test('lines with multi-byte characters are written whole, in every write mode', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'log-dest-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, opts] of Object.entries({ server: {}, sync: { sync: true }, held: { sync: false, minLength: 4096 } })) {
    const file = join(dir, `${name}.log`)
    const destination = logDestination({ dest: file, ...opts })
    await once(destination, 'ready')
    const log = pino(destination)
    const names = ['Zoë', 'Łódź', '東京', '👩‍💻']
    for (let i = 0; i < 400; i++) log.info({ i, tenant: names[i % names.length] }, 'request')
    await flushLogs(destination)
    const written = lines(file).map(l => JSON.parse(l) as { i: number, tenant: string })
    t.equal(written.length, 400, `${name}: every line`)
    t.same(written.map(l => l.tenant), Array.from({ length: 400 }, (_, i) => names[i % names.length]), `${name}: intact`)
    destination.end()
  }
})
