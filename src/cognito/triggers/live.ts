// A trigger as Lambda runs it: its handler built once per instance, from the function's environment and a DynamoDB client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { documentClient } from '../../aws.js'

/** Reads a required environment variable at invocation time, so importing a trigger module in a test needs no env. */
export function requireEnv (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

/**
 * The Lambda handler of a trigger whose logic `create` builds from the table: built at the first invocation (TABLE_NAME
 * is the stack's table, infra/lib/auth.ts) and reused by the instance's later ones.
 */
export function liveHandler<E> (create: (deps: { dynamo: DynamoDBDocumentClient, tableName: string }) => (event: E) => Promise<E>): (event: E) => Promise<E> {
  let live: ((event: E) => Promise<E>) | undefined
  return async function handler (event: E): Promise<E> {
    live ??= create({ dynamo: documentClient(new DynamoDBClient({})), tableName: requireEnv('TABLE_NAME') })
    return await live(event)
  }
}
