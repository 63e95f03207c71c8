// Creates the single table (and its TTL) if missing; idempotent, for `npm run db:setup`, dev and tests.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription
} from '@aws-sdk/client-dynamodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTableInput, TABLE } from './table.js'

export interface EnsureTableOptions {
  /** How long to wait for the table and its index to become ACTIVE; default 5 minutes (real DynamoDB). */
  timeoutMs?: number
}

export interface EnsureTableResult {
  /** false when the table already existed. */
  created: boolean
  /** false when TTL was already enabled (or being enabled) on TABLE.ttlAttribute. */
  ttlEnabled: boolean
}

export async function ensureTable (client: DynamoDBClient, tableName: string, options: EnsureTableOptions = {}): Promise<EnsureTableResult> {
  let created = true
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)))
  } catch (err) {
    // ResourceInUseException: the table exists, or is being created by someone else; wait for it either way.
    if (errorName(err) !== 'ResourceInUseException') throw err
    created = false
  }
  await waitUntilActive(client, tableName, options.timeoutMs ?? 5 * 60_000)
  const ttlEnabled = await ensureTtl(client, tableName)
  return { created, ttlEnabled }
}

async function waitUntilActive (client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs
  let delay = 100
  for (;;) {
    const table = await describeTable(client, tableName)
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table
    if (Date.now() + delay > deadline) {
      throw new Error(`Table ${tableName} is not ACTIVE after ${Math.round(timeoutMs / 1000)} s (status ${table?.TableStatus ?? 'unknown'})`)
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 2000)
  }
}

/** undefined while a just-created table is not yet visible (DescribeTable is eventually consistent). */
async function describeTable (client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined
    throw err
  }
}

/** Enables TTL on TABLE.ttlAttribute. Returns false if it was already on; throws if TTL is on another attribute. */
async function ensureTtl (client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  const status = ttl?.TimeToLiveStatus
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (ttl?.AttributeName === TABLE.ttlAttribute) return false
    throw new Error(`Table ${tableName} has TTL on ${ttl?.AttributeName ?? '?'}, expected ${TABLE.ttlAttribute}`)
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true }
    }))
    return true
  } catch (err) {
    // Lost a race with another setup run: "TimeToLive is already enabled".
    if (errorName(err) === 'ValidationException' && /already enabled/i.test((err as Error).message)) return false
    throw err
  }
}

function errorName (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : undefined
}
