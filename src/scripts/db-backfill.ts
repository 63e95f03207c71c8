// `npm run db:backfill`: recounts account records and tenants' active admins from the memberships (idempotent).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { awsClientOptions, documentClient } from '../aws.js'
import { TABLE } from '../dynamodb/table.js'
import { backfillCounts } from '../services/users/backfill.js'

async function main (): Promise<void> {
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined
  const tableName = process.env.TABLE_NAME || TABLE.defaultName
  const region = process.env.AWS_REGION || 'us-east-1'
  if (endpoint !== undefined && !URL.canParse(endpoint)) throw new Error(`DYNAMODB_ENDPOINT is not a URL: "${endpoint}"`)
  const client = new DynamoDBClient(awsClientOptions({ AWS_REGION: region, AWS_MAX_ATTEMPTS: 3 }, endpoint))
  try {
    await backfillCounts({ doc: documentClient(client), tableName }, line => console.log(line))
  } finally {
    client.destroy()
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  console.error(`db:backfill failed: ${message.split('\n')[0] ?? ''}`)
  process.exit(1)
})
