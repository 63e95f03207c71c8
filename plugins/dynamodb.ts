// Decorates the app with the DynamoDB clients (src/dynamodb/client.ts), closed with the app.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { createDynamo, type Dynamo } from '../src/dynamodb/client.js'

declare module 'fastify' {
  interface FastifyInstance { dynamo: Dynamo }
}

export default fp<{ config: Config, dynamo?: Dynamo }>(async function dynamodb (app, opts) {
  const dynamo = opts.dynamo ?? createDynamo(opts.config)
  app.decorate('dynamo', dynamo)
  if (!opts.dynamo) app.addHook('onClose', async () => { dynamo.client.destroy() })
}, { name: 'dynamodb' })
