// `npm run db:setup`: creates the table (and TTL) at DYNAMODB_ENDPOINT or in the account's region; idempotent.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { LOCAL_CREDENTIALS } from '../local/clients.js'
import { ensureTable } from '../repositories/table-setup.js'
import { TABLE } from '../table.js'

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

function isLocal (endpoint: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(endpoint).hostname)
  } catch {
    throw new Error(`DYNAMODB_ENDPOINT is not a URL: "${endpoint}"`)
  }
}

async function main (): Promise<void> {
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined
  const tableName = process.env.TABLE_NAME || TABLE.defaultName
  const region = process.env.AWS_REGION || 'us-east-1'
  const config: DynamoDBClientConfig = { region, endpoint }
  // Only against a local endpoint, and only when the developer chose no credentials: real AWS keeps the normal chain.
  if (endpoint !== undefined && isLocal(endpoint) && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    config.credentials = LOCAL_CREDENTIALS
  }
  const client = new DynamoDBClient(config)
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
