// `npm run db:setup`: creates the table (and TTL) at DYNAMODB_ENDPOINT or in the account's region; idempotent.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { awsClientOptions } from '../aws.js'
import { ensureTable } from '../dynamodb/table-setup.js'
import { TABLE } from '../dynamodb/table.js'

async function main (): Promise<void> {
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined
  const tableName = process.env.TABLE_NAME || TABLE.defaultName
  const region = process.env.AWS_REGION || 'us-east-1'
  if (endpoint !== undefined && !URL.canParse(endpoint)) throw new Error(`DYNAMODB_ENDPOINT is not a URL: "${endpoint}"`)
  // The server's own client settings: dummy credentials only for a local endpoint with none configured.
  const client = new DynamoDBClient(awsClientOptions({ AWS_REGION: region, AWS_MAX_ATTEMPTS: 3 }, endpoint))
  try {
    const { created, ttlEnabled } = await ensureTable(client, tableName)
    const where = endpoint ?? `region ${region}`
    console.log(`Table ${tableName} ${created ? 'created' : 'already exists'} at ${where}; TTL on ${TABLE.ttlAttribute} ${ttlEnabled ? 'enabled' : 'already enabled'}`)
  } finally {
    client.destroy()
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  console.error(`db:setup failed: ${message.split('\n')[0] ?? ''}`)
  process.exit(1)
})
