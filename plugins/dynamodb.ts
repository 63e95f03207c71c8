// The DynamoDB document client, shared by every repository, closed with the app.
import fp from 'fastify-plugin'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { awsClientOptions, documentClient } from '../src/aws.js'
import type { Config } from '../src/config.js'

export function createDynamo (config: Config) {
  const client = new DynamoDBClient({
    ...awsClientOptions(config, config.DYNAMODB_ENDPOINT),
    // A DynamoDB that does not answer must fail a request in seconds, not hang it. Without throwOnRequestTimeout the
    // handler only logs a warning when requestTimeout passes and keeps waiting (test/unit/health.test.ts proves it fires).
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true })
  })
  const doc = documentClient(client)
  return { client, doc, tableName: config.TABLE_NAME }
}

declare module 'fastify' {
  interface FastifyInstance { dynamo: ReturnType<typeof createDynamo> }
}

export default fp<{ config: Config, dynamo?: ReturnType<typeof createDynamo> }>(async function dynamodb (app, opts) {
  const dynamo = opts.dynamo ?? createDynamo(opts.config)
  app.decorate('dynamo', dynamo)
  if (!opts.dynamo) app.addHook('onClose', async () => { dynamo.client.destroy() })
}, { name: 'dynamodb' })
