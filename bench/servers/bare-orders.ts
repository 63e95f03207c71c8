// Baseline server: bare Fastify, GET /orders/:orderId doing the app's GetItem (same DynamoDB client settings, same key,
// same mapping and response schema), and nothing else: no auth, tenant, policy, validation, rate limit or security headers.
import Fastify from 'fastify'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { loadConfig } from '../../src/config.js'
import { createDynamo } from '../../src/dynamodb/client.js'
import { keys } from '../../src/repositories/keys.js'
import { toOrder } from '../../src/repositories/orders.js'
import { OrderSchema } from '../../src/domain/order.js'
import { TENANT_ID } from '../fixtures.js'

export default function bareOrders () {
  const dynamo = createDynamo(loadConfig())
  const app = Fastify({ logger: false })
  app.addHook('onClose', async () => { dynamo.client.destroy() })
  app.get<{ Params: { orderId: string } }>('/orders/:orderId', { schema: { response: { 200: OrderSchema } } }, async (request, reply) => {
    const res = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: keys.item(TENANT_ID, 'ORDER', request.params.orderId) }))
    if (!res.Item) return reply.code(404).send({})
    const order = toOrder(res.Item)
    return reply.header('etag', `"${order.version}"`).send(order)
  })
  return app
}
