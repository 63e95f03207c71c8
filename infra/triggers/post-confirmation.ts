// Cognito post confirmation trigger: gives a self-signed-up user a new tenant and makes them its admin.
import { createHash } from 'node:crypto'
import type { PostConfirmationTriggerEvent } from 'aws-lambda'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'
import { AdminAddUserToGroupCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { TABLE } from '../../src/table.js'
import { keys } from '../../src/repositories/keys.js'
import type { Membership, Tenant, TenantGroup } from '../../src/domain/model.js'
import { findMembershipTenantId, requireEnv } from './membership-lookup.js'
import { TENANT_ATTRIBUTE } from './pre-sign-up.js'

export interface PostConfirmationDeps {
  dynamo: DynamoDBDocumentClient
  cognito: CognitoIdentityProviderClient
  tableName: string
  now?: () => Date
}

const ADMIN_GROUP: TenantGroup = 'admins'
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
/** Shared mailbox providers: their domain says nothing about the customer, so it makes a poor tenant name. */
const PUBLIC_EMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'yahoo.com', 'icloud.com', 'me.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'aol.com'])

/**
 * 16 characters of [a-z0-9] derived from the user's sub. Derived rather than random so that Cognito's retries
 * (it re-invokes a trigger that times out, possibly while the first run is still going) compute the same keys and
 * the attribute_not_exists conditions stop a second tenant, which a GSI read alone (eventually consistent) cannot.
 */
export function tenantIdFor (userId: string): string {
  const digest = createHash('sha256').update(`tenant:${userId}`).digest()
  let id = ''
  for (let i = 0; i < 16; i++) id += ALPHABET[digest[i]! % ALPHABET.length]
  return id
}

export function tenantNameFor (email: string): string {
  const domain = email.split('@')[1]?.toLowerCase()
  return domain !== undefined && domain !== '' && !PUBLIC_EMAIL_DOMAINS.has(domain) ? domain : `${email}'s tenant`
}

function isConditionalCheckFailure (err: unknown): boolean {
  const e = err as { name?: string, CancellationReasons?: Array<{ Code?: string }> }
  return e?.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some(r => r.Code === 'ConditionalCheckFailed')
}

export function createPostConfirmationHandler ({ dynamo, cognito, tableName, now = () => new Date() }: PostConfirmationDeps) {
  async function createTenant (userId: string, email: string): Promise<string> {
    const tenantId = tenantIdFor(userId)
    const at = now().toISOString()
    const tenant: Tenant = { tenantId, name: tenantNameFor(email), status: 'active', createdAt: at, updatedAt: at }
    const membership: Membership = { tenantId, userId, email, groups: [ADMIN_GROUP], status: 'active', createdAt: at, updatedAt: at }
    const notExists = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
    try {
      await dynamo.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { ...keys.tenant(tenantId), [TABLE.gsi1.partitionKey]: keys.tenantsIndexPk, [TABLE.gsi1.sortKey]: `${at}#${tenantId}`, ...tenant }, ...notExists } },
          { Put: { TableName: tableName, Item: { ...keys.membership(tenantId, userId), ...keys.membershipIndex(tenantId, userId), ...membership }, ...notExists } }
        ]
      }))
    } catch (err) {
      if (!isConditionalCheckFailure(err)) throw err
      // A concurrent run of this trigger for the same user got there first; go on only if it really is this user's membership.
      const existing = await dynamo.send(new GetCommand({ TableName: tableName, Key: keys.membership(tenantId, userId), ConsistentRead: true }))
      if (existing.Item === undefined) throw err
    }
    return tenantId
  }

  return async function postConfirmation (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
    // ForgotPassword confirmations, and invited users (they already belong to a tenant), get nothing.
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event
    const attributes = event.request.userAttributes
    if (attributes[TENANT_ATTRIBUTE] !== undefined && attributes[TENANT_ATTRIBUTE] !== '') return event

    const userId = attributes.sub ?? event.userName
    const email = attributes.email ?? userId
    const tenantId = await findMembershipTenantId(dynamo, tableName, userId) ?? await createTenant(userId, email)
    // Adding a user to a group they are already in succeeds, so a retry can repeat this.
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: event.userPoolId, Username: event.userName, GroupName: ADMIN_GROUP }))
    console.log(JSON.stringify({ msg: 'tenant admin ready', tenantId, userId }))
    return event
  }
}

let live: ReturnType<typeof createPostConfirmationHandler> | undefined
export async function handler (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  live ??= createPostConfirmationHandler({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    cognito: new CognitoIdentityProviderClient({}),
    tableName: requireEnv('TABLE_NAME')
  })
  return await live(event)
}
