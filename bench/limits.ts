// Shared-limits scenario: GET /orders/:orderId with the request limits counted in the table (LIMITS_STORE=dynamodb,
// as deployed) vs the same app counting in its own memory, both against the shared DynamoDB Local. Its setup also
// counts the table writes the limits cost per 1,000 requests of one busy tenant at the default limits.
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { membershipItem } from '../src/repositories/memberships.js'
import { tenantItem } from '../src/repositories/tenants.js'
import { startIssuer } from '../test/helpers/issuer.js'
import { once, reportJwksOf, serve, type Scenario } from './lib.js'
import { benchStack } from './stack.js'
import { seedOrder } from './orders.js'

/** The same app, its limits counted in memory (one process: nothing shared). */
const inMemory = once(async () => {
  const server = await serve('app', { ...(await benchStack()).env, LIMITS_STORE: 'memory' })
  reportJwksOf('app-memory-limits', server)
  return server
})

/** A tenant and member of their own, so the load's counters (other scenarios share the table) never meet this count's. */
const BUSY_TENANT = 'bench-busy'
const BUSY_USER = 'busy-user'

/**
 * One busy tenant's member sends `requests` GET /orders/:id in one window at the default RATE_LIMIT_MAX and
 * CALLER_RATE_LIMIT_MAX (1,000 per minute each), through an app in this process: the limit store's write count.
 * The order does not exist (404): the request passes both limits and does its GetItem all the same.
 */
async function writesPer (requests: number, env: Record<string, string>) {
  const { RATE_LIMIT_MAX: _max, CALLER_RATE_LIMIT_MAX: _callerMax, ...defaults } = env
  // An issuer of its own: the run's JWKS count stays the load servers'.
  const issuer = await startIssuer({ clientId: 'bench-client' })
  const headers = { authorization: `Bearer ${issuer.sign(issuer.accessClaims({ sub: BUSY_USER }))}` }
  const app = await buildApp(loadConfig({ ...process.env, ...defaults, ...issuer.env, LIMITS_STORE: 'dynamodb' }))
  const url = '/orders/no-such-order'
  try {
    await app.ready()
    const now = new Date().toISOString()
    const TableName = app.dynamo.tableName
    await app.dynamo.doc.send(new PutCommand({ TableName, Item: tenantItem({ tenantId: BUSY_TENANT, name: 'Busy', status: 'active', createdAt: now, updatedAt: now }) }))
    await app.dynamo.doc.send(new PutCommand({ TableName, Item: membershipItem({ tenantId: BUSY_TENANT, userId: BUSY_USER, email: 'busy@example.com', groups: ['members'], status: 'active', createdAt: now, updatedAt: now }) }))
    // Clear of a window boundary, so all of them count in one window.
    const left = 60_000 - (Date.now() % 60_000)
    if (left < 20_000) await new Promise(resolve => setTimeout(resolve, left + 50))
    const before = app.limitStore.writes
    const statuses: Record<number, number> = {}
    for (let i = 0; i < requests; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => app.inject({ method: 'GET', url, headers })))
      for (const res of batch) statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
    }
    return { writes: app.limitStore.writes - before, statuses }
  } finally {
    await app.close()
    await issuer.close()
  }
}

export const limitsScenarios: Scenario[] = [
  {
    name: 'limits-orders-get',
    description: 'GET /orders/:orderId, request limits shared through the table vs counted in memory, one member token',
    target: 0.9,
    // As orders-get: DynamoDB Local is the bottleneck of both sides; more connections only queue.
    connections: 10,
    async setup () {
      const [stack, memory] = await Promise.all([benchStack(), inMemory()])
      const headers = { authorization: `Bearer ${stack.token()}` }
      const orderId = await seedOrder(stack.app.url, headers)
      const busy = await writesPer(1000, stack.env)
      console.log(`  table writes of the shared limits, 1,000 requests of one busy tenant at the default limits: ${busy.writes} (${(busy.writes / 100).toFixed(2)} per 10 requests; target ≤ 1) answers ${JSON.stringify(busy.statuses)}`)
      return {
        baseline: { label: 'limits in memory', urls: memory.urls.map(u => `${u}/orders/${orderId}`), headers },
        subject: { label: 'limits in the table', urls: stack.app.urls.map(u => `${u}/orders/${orderId}`), headers }
      }
    }
  }
]
