// Readiness answers 503 problem+json in bounded time whatever DynamoDB does: refuses connections, or accepts and never answers.
import t from 'tap'
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { build } from '../helpers/build.js'

/** A TCP server that accepts connections and never writes a byte: a hung DynamoDB endpoint. */
async function blackHole (t: Parameters<typeof build>[0]) {
  const sockets = new Set<Socket>()
  const server = createServer(s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('DynamoDB refusing connections: 503 naming it', async t => {
  const app = await build(t, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' })
  const res = await app.inject('/health/ready')
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 503, title: 'Service Unavailable', detail: /dynamodb/ })
})

t.test('DynamoDB accepting but never answering: 503 within 2 s, not a hang', async t => {
  const app = await build(t, { DYNAMODB_ENDPOINT: await blackHole(t) })
  const started = process.hrtime.bigint()
  const res = await app.inject('/health/ready')
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(res.statusCode, 503)
  t.match(res.json(), { detail: /dynamodb/ })
  // The contract ("within 2 s"), not a speed measurement: the check's own timeout is 1.2 s.
  t.ok(ms < 2000, `answered in ${Math.round(ms)} ms`)
})

t.test('liveness does no I/O: 200 even with everything down', async t => {
  const app = await build(t, { DYNAMODB_ENDPOINT: await blackHole(t) })
  t.equal((await app.inject('/health')).statusCode, 200)
})
