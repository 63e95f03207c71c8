// The DynamoDB clients every repository shares: the low-level client (closed with the app) and its document client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { awsClientOptions, documentClient } from '../aws.js'
import type { Config } from '../config.js'

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
export type Dynamo = ReturnType<typeof createDynamo>
