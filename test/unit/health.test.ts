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

t.test('DynamoDB accepting but never answering: 503 once the check times out, not a hang', async t => {
  // The check's own timeout is what bounds the answer; a short one keeps the test off the real clock's 1.2 s.
  const { CHECK_TIMEOUT_MS } = await import('../../routes/health/index.js')
  t.ok(CHECK_TIMEOUT_MS < 2000, 'the default keeps the 2 s promise, with room for the answer itself')
  const app = await build(t, { DYNAMODB_ENDPOINT: await blackHole(t) }, { timing: { readinessTimeoutMs: 100 } })
  const started = process.hrtime.bigint()
  const res = await app.inject('/health/ready')
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(res.statusCode, 503)
  t.match(res.json(), { detail: /dynamodb/ })
  // Not a speed measurement: without the timeout this would wait on the black hole for the SDK's 3 s request timeout.
  t.ok(ms >= 90 && ms < 1500, `answered in ${Math.round(ms)} ms`)
})

t.test('liveness does no I/O: 200 even with everything down', async t => {
  const app = await build(t, { DYNAMODB_ENDPOINT: await blackHole(t) })
  t.equal((await app.inject('/health')).statusCode, 200)
})

t.test('DynamoDB down on a route that needs it: 503 problem with Retry-After, not a 500', async t => {
  const { issuerFor } = await import('../helpers/issuer.js')
  const idp = await issuerFor(t)
  for (const endpoint of ['http://127.0.0.1:9', await blackHole(t)]) {
    const app = await build(t, { ...idp.env, DYNAMODB_ENDPOINT: endpoint, AWS_MAX_ATTEMPTS: '1' })
    const res = await app.inject({ url: '/orders', headers: { authorization: `Bearer ${idp.token({ sub: 'alice', groups: ['members'] })}` } })
    t.equal(res.statusCode, 503, endpoint)
    t.equal(res.headers['retry-after'], '1')
    t.match(res.json(), { status: 503, code: 'APP_DEPENDENCY_UNAVAILABLE', detail: /retry shortly/ })
    t.notMatch(res.body, /ECONNREFUSED|Timeout|stack/i, 'no internals')
  }
})

t.test('a bug is still a 500 without details', async t => {
  const { toProblem } = await import('../../src/http/problem.js')
  const p = toProblem(Object.assign(new TypeError('x is undefined'), {}) as never, { id: 'r1' } as never)
  t.same(p, { type: 'about:blank', title: 'Internal Server Error', status: 500, instance: 'r1' })
  const throttled = toProblem(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {}, $fault: 'client' }) as never, { id: 'r2' } as never)
  t.equal(throttled.status, 503)
  const rejected = toProblem(Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: {}, $fault: 'client' }) as never, { id: 'r3' } as never)
  t.equal(rejected.status, 500, 'a request DynamoDB refuses is our bug, not an outage')
  const { TransactionCancelled } = await import('../../src/repositories/transact.js')
  t.equal(toProblem(new TransactionCancelled(['None', 'TransactionConflict']) as never, { id: 'r4' } as never).status, 503, 'a transaction lost to a concurrent one: retry')
  t.equal(toProblem(new TransactionCancelled(['ConditionalCheckFailed', 'None']) as never, { id: 'r5' } as never).status, 500, 'an unmapped condition failure is a bug')
})

t.test('a Cognito that accepts and never answers fails the call instead of hanging it', async t => {
  const { createUserPoolClient } = await import('../../src/cognito/user-pool.js')
  const { loadConfig } = await import('../../src/config.js')
  const { baseEnv } = await import('../helpers/build.js')
  const admin = createUserPoolClient(loadConfig({ ...baseEnv, COGNITO_ENDPOINT: await blackHole(t), AWS_MAX_ATTEMPTS: '1' }))
  t.teardown(() => admin.client.destroy())
  const err = await admin.getUser('someone@example.com').then(() => null, (e: unknown) => e)
  t.ok(err instanceof Error, 'rejected')
  const { isDependencyUnavailable } = await import('../../src/http/problem.js')
  t.ok(isDependencyUnavailable(err), 'and it reads as an outage (503), not a bug')
})

t.test('readiness reuses one round of checks for a few seconds: a flood of probes sends one DescribeTable', async t => {
  const { createServer: createHttpServer } = await import('node:http')
  let requests = 0
  const server = createHttpServer((_req, res) => { requests++; res.statusCode = 500; res.end('{}') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const app = await build(t, { DYNAMODB_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, AWS_MAX_ATTEMPTS: '1' })
  const answers = await Promise.all(Array.from({ length: 20 }, () => app.inject('/health/ready')))
  for (let i = 0; i < 20; i++) answers.push(await app.inject('/health/ready'))
  t.same(new Set(answers.map(a => a.statusCode)), new Set([503]))
  t.equal(requests, 1, 'one DescribeTable for 40 probes')
})
