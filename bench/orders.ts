// Benchmark: GET /orders/:orderId through the whole stack vs a bare Fastify route doing the same GetItem (DynamoDB Local).
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { Test } from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createDynamo } from '../plugins/dynamodb.js'
import { keys } from '../src/repositories/keys.js'
import { toOrder } from '../src/repositories/orders.js'
import { tenantItem } from '../src/repositories/tenants.js'
import { membershipItem } from '../src/repositories/memberships.js'
import { ulid } from '../src/domain/order.js'
import { startDynamo } from '../test/helpers/dynamo.js'
import { startIssuer } from '../test/helpers/tokens.js'

interface Result { requests: { average: number }, latency: { p50: number, p99: number }, non2xx: number, errors: number }
const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<Result>

export interface OrdersBenchResult { baseline: Result, app: Result, ratio: number }

/** Runs both servers against one DynamoDB Local; `seconds` per measurement after a warm-up. */
export async function ordersScenario (opts: { seconds?: number, connections?: number } = {}): Promise<OrdersBenchResult> {
  const seconds = opts.seconds ?? 10
  const connections = opts.connections ?? 10
  const cleanups: Array<() => unknown> = []
  // The test helpers only need teardown registration.
  const t = { teardown: (fn: () => unknown) => { cleanups.push(fn) } } as unknown as Test
  try {
    const ddb = await startDynamo(t, 'bench-table')
    const idp = await startIssuer(t)
    const config = loadConfig({
      ...idp.env, DYNAMODB_ENDPOINT: ddb.endpoint, TABLE_NAME: ddb.tableName, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000'
    })
    const now = new Date().toISOString()
    await ddb.doc.send(new PutCommand({ TableName: ddb.tableName, Item: tenantItem({ tenantId: 'bench', name: 'Bench', status: 'active', createdAt: now, updatedAt: now }) }))
    await ddb.doc.send(new PutCommand({ TableName: ddb.tableName, Item: membershipItem({ tenantId: 'bench', userId: 'bench-user', email: 'b@example.com', groups: ['members'], status: 'active', createdAt: now, updatedAt: now }) }))
    const orderId = ulid()
    await ddb.doc.send(new PutCommand({
      TableName: ddb.tableName,
      Item: { ...keys.order('bench', orderId), type: 'order', tenantId: 'bench', orderId, status: 'pending', currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPrice: 100 }], total: 100, createdAt: now, updatedAt: now, version: 1 }
    }))

    // Baseline: same client settings, same GetItem, same JSON out; no auth, tenant, policy, validation or hooks.
    const bareDynamo = createDynamo(config)
    cleanups.push(() => bareDynamo.client.destroy())
    const bare = Fastify()
    bare.get<{ Params: { orderId: string } }>('/orders/:orderId', async (request, reply) => {
      const res = await bareDynamo.doc.send(new GetCommand({ TableName: ddb.tableName, Key: keys.order('bench', request.params.orderId) }))
      if (!res.Item) return reply.code(404).send({})
      return toOrder(res.Item)
    })
    const app = await buildApp(config)
    cleanups.push(() => bare.close(), () => app.close())
    const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
    const appUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    const headers = { authorization: `Bearer ${idp.token({ sub: 'bench-user', groups: ['members'] })}` }

    const run = async (url: string, duration: number) => await autocannon({ url: `${url}/orders/${orderId}`, headers, connections, duration })
    await run(bareUrl, 2)
    await run(appUrl, 2)
    const baseline = await run(bareUrl, seconds)
    const full = await run(appUrl, seconds)
    for (const [name, r] of [['baseline', baseline], ['app', full]] as const) {
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
    }
    return { baseline, app: full, ratio: full.requests.average / baseline.requests.average }
  } finally {
    for (const fn of cleanups.reverse()) await fn()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10)
  const r = await ordersScenario({ seconds })
  const line = (name: string, x: Result) => `${name.padEnd(32)} ${x.requests.average.toFixed(0).padStart(7)} req/s  p50 ${x.latency.p50} ms  p99 ${x.latency.p99} ms`
  console.log(line('bare GetItem route', r.baseline))
  console.log(line('GET /orders/:orderId (full stack)', r.app))
  console.log(`ratio ${r.ratio.toFixed(3)} (target ≥ 0.85) ${r.ratio >= 0.85 ? 'OK' : 'BELOW TARGET'}`)
  process.exit(r.ratio >= 0.85 ? 0 : 1)
}
