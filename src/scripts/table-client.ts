// What the table scripts (db:setup, db:backfill) share: the table's name and a DynamoDB client from the environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { awsClientOptions } from '../aws.js'
import { TABLE } from '../dynamodb/table.js'

/**
 * Runs `job` with a client for TABLE_NAME at DYNAMODB_ENDPOINT (else in AWS_REGION), destroyed afterwards; a failure
 * ends the process with one line naming the script.
 */
export function runWithTable (script: string, job: (client: DynamoDBClient, table: { tableName: string, where: string }) => Promise<void>): void {
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined
  const tableName = process.env.TABLE_NAME || TABLE.defaultName
  const region = process.env.AWS_REGION || 'us-east-1'
  const main = async () => {
    if (endpoint !== undefined && !URL.canParse(endpoint)) throw new Error(`DYNAMODB_ENDPOINT is not a URL: "${endpoint}"`)
    // The server's own client settings: dummy credentials only for a local endpoint with none configured.
    const client = new DynamoDBClient(awsClientOptions({ AWS_REGION: region, AWS_MAX_ATTEMPTS: 3 }, endpoint))
    try {
      await job(client, { tableName, where: endpoint ?? `region ${region}` })
    } finally {
      client.destroy()
    }
  }
  main().catch((err: unknown) => {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    console.error(`${script} failed: ${message.split('\n')[0] ?? ''}`)
    process.exit(1)
  })
}
