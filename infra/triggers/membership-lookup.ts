// Finds the tenant a user belongs to through GSI1 (GSI1PK = USER#<sub>); shared by the post-confirmation and pre-token triggers.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../../src/table.js'
import { keys } from '../../src/repositories/keys.js'

/**
 * The tenant id of the user's first membership (in GSI1SK order), or undefined when there is none.
 * A self-signed-up user has exactly one; invited users carry custom:tenant_id and never get here.
 */
export async function findMembershipTenantId (dynamo: DynamoDBDocumentClient, tableName: string, userId: string): Promise<string | undefined> {
  const out = await dynamo.send(new QueryCommand({
    TableName: tableName,
    IndexName: TABLE.gsi1.indexName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
    ExpressionAttributeValues: { ':pk': keys.userIndexPk(userId) },
    Limit: 1
  }))
  const tenantId = out.Items?.[0]?.tenantId
  return typeof tenantId === 'string' ? tenantId : undefined
}

/** Reads a required environment variable at invocation time, so importing a trigger module in a test needs no env. */
export function requireEnv (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}
