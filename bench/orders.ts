// Orders scenario: GET /orders/:orderId through the whole stack (auth, tenant, policy, rate limit, helmet, validation,
// GetItem) vs a bare Fastify route doing the same GetItem, both against the shared DynamoDB Local.
import { once, serve, type Scenario } from './lib.js'
import { benchStack } from './stack.js'

/** The baseline: the same GetItem against the same table, nothing else. */
const bare = once(async () => serve('bare-orders', (await benchStack()).env))

/** One order, seeded through the API itself: written by the repository, keyed and scoped as in production. */
export async function seedOrder (url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPrice: 100 }] })
  })
  if (res.status !== 201) throw new Error(`seeding the order failed: POST /orders answered ${res.status} ${await res.text()}`)
  return (await res.json() as { orderId: string }).orderId
}

export const ordersScenarios: Scenario[] = [
  {
    name: 'orders-get',
    description: 'GET /orders/:orderId, full stack vs a bare route doing the same GetItem (DynamoDB Local), one member token',
    target: 0.85,
    // DynamoDB Local serves ~1,000 GetItems/s here: 50 connections only queue (p99 ~850 ms, longer than a round) and
    // make the ratio noise. 10, as the standalone benchmark used, saturates it as well.
    connections: 10,
    async setup () {
      const [stack, server] = await Promise.all([benchStack(), bare()])
      const headers = { authorization: `Bearer ${stack.token()}` }
      const orderId = await seedOrder(stack.app.url, headers)
      return {
        baseline: { label: 'bare GetItem route', urls: server.urls.map(u => `${u}/orders/${orderId}`), headers },
        subject: { label: 'app /orders/:id', urls: stack.app.urls.map(u => `${u}/orders/${orderId}`), headers }
      }
    }
  }
]
