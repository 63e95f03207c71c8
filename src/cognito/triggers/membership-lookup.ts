// Finds the tenant a user belongs to through GSI1 (GSI1PK = USER#<sub>): the post-confirmation trigger's check for a tenant it already made.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { membershipReads } from '../../repositories/memberships.js'

/**
 * The tenant id of the user's first membership (in GSI1SK order), or undefined when there is none.
 * A self-signed-up user has exactly one; invited users carry custom:tenant_id and never get here.
 */
export async function findMembershipTenantId (dynamo: DynamoDBDocumentClient, tableName: string, userId: string): Promise<string | undefined> {
  // The API's own lookup (same index, same key), not a second copy of it.
  const [first] = await membershipReads({ doc: dynamo, tableName }).findByUser(userId)
  return first?.tenantId
}
