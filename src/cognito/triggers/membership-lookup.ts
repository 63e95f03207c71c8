// Finds the tenant a user belongs to through GSI1 (GSI1PK = USER#<sub>); shared by the post-confirmation and pre-token triggers.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { membershipsRepository } from '../../repositories/memberships.js'

/**
 * The tenant id of the user's first membership (in GSI1SK order), or undefined when there is none.
 * A self-signed-up user has exactly one; invited users carry custom:tenant_id and never get here.
 */
export async function findMembershipTenantId (dynamo: DynamoDBDocumentClient, tableName: string, userId: string): Promise<string | undefined> {
  // The API's own lookup (same index, same key), not a second copy of it.
  const [first] = await membershipsRepository({ doc: dynamo, tableName }).findByUser(userId)
  return first?.tenantId
}

/** Reads a required environment variable at invocation time, so importing a trigger module in a test needs no env. */
export function requireEnv (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}
