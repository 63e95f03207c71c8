// Cognito pre token generation (V2) trigger: puts the caller's tenant into the access token as custom:tenant_id.
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { documentClient } from '../../src/aws.js'
import { findMembershipTenantId, requireEnv } from './membership-lookup.js'
import { TENANT_ATTRIBUTE } from './pre-sign-up.js'

export interface PreTokenGenerationDeps {
  dynamo: DynamoDBDocumentClient
  tableName: string
}

/**
 * Access tokens carry no custom attributes unless a V2 trigger adds them
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
 * Invited users have the immutable attribute; self-signed-up users only have a membership (the attribute
 * cannot be set after creation), so look it up. Platform admins have neither and get no tenant claim.
 */
export function createPreTokenGenerationHandler ({ dynamo, tableName }: PreTokenGenerationDeps) {
  return async function preTokenGeneration (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
    const fromAttribute = event.request.userAttributes[TENANT_ATTRIBUTE]
    const sub = event.request.userAttributes.sub ?? event.userName
    const tenantId = fromAttribute !== undefined && fromAttribute !== ''
      ? fromAttribute
      : await findMembershipTenantId(dynamo, tableName, sub)
    if (tenantId === undefined) return event

    const details = event.response.claimsAndScopeOverrideDetails ?? {}
    details.accessTokenGeneration = {
      ...details.accessTokenGeneration,
      claimsToAddOrOverride: { ...details.accessTokenGeneration?.claimsToAddOrOverride, [TENANT_ATTRIBUTE]: tenantId }
    }
    // The ID token already carries the attribute when the user has it (the client may read it); add it only when it came from the membership.
    if (fromAttribute === undefined || fromAttribute === '') {
      details.idTokenGeneration = {
        ...details.idTokenGeneration,
        claimsToAddOrOverride: { ...details.idTokenGeneration?.claimsToAddOrOverride, [TENANT_ATTRIBUTE]: tenantId }
      }
    }
    event.response.claimsAndScopeOverrideDetails = details
    return event
  }
}

let live: ReturnType<typeof createPreTokenGenerationHandler> | undefined
export async function handler (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
  live ??= createPreTokenGenerationHandler({
    dynamo: documentClient(new DynamoDBClient({})),
    tableName: requireEnv('TABLE_NAME')
  })
  return await live(event)
}
