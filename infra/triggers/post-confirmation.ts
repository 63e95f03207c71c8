// Cognito post confirmation trigger: gives a self-signed-up user a new tenant, makes them its admin (through the membership) and records their email.
import { createHash } from 'node:crypto'
import type { PostConfirmationTriggerEvent } from 'aws-lambda'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { documentClient } from '../../src/aws.js'
import { TABLE } from '../../src/table.js'
import { keys, normalizeEmail } from '../../src/repositories/keys.js'
import { tenantItem } from '../../src/repositories/tenants.js'
import { emailClaimItem, membershipItem, type EmailClaim, type MembershipRecord } from '../../src/repositories/memberships.js'
import { transact, TransactionCancelled } from '../../src/repositories/transact.js'
import type { Tenant, TenantGroup } from '../../src/domain/model.js'
import { findMembershipTenantId, requireEnv } from './membership-lookup.js'
import { TENANT_ATTRIBUTE } from './pre-sign-up.js'

export interface PostConfirmationDeps {
  dynamo: DynamoDBDocumentClient
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

/** The founder's address is held by another tenant's finished membership: no tenant is created (see createTenant). */
export class EmailClaimedError extends Error {
  override name = 'EmailClaimedError'
  constructor () { super('This email address already belongs to another tenant') }
}

/** Positions of the items in the founder's transaction (cancellation reasons come back in this order). */
const TENANT_ITEM = 0
const MEMBERSHIP_ITEM = 1
const CLAIM_ITEM = 2

export function createPostConfirmationHandler ({ dynamo, tableName, now = () => new Date() }: PostConfirmationDeps) {
  /**
   * One transaction writes what the API's onboarding writes (src/services/tenant-users.ts, src/local/seed.ts): the tenant
   * with adminCount 1 (the founder is its one admin; the API's last-admin guard decrements only while adminCount > 1),
   * the founder's admins membership (with cognitoUsername, which the API's admin calls use), and the global EMAIL#
   * record naming this user, so that an invite of the founder's address by another tenant finds this user.
   *
   * A claim already on the address: Cognito keeps one user per email here (email is the username attribute), and this
   * user has just been confirmed with it, so no other live Cognito user holds the address and any claim is stale.
   * - `pending` (another tenant's invite between its steps, or one that died there): taken over. That invite cannot
   *   finish any more (its AdminCreateUser now fails with UsernameExists, and the user it finds has no tenant, so it
   *   answers "email unavailable"); its retry and its rollback are conditional on its own pending claim and change nothing.
   * - `member` of another tenant (drift: e.g. a removal that stopped after deleting the Cognito user, or a member who
   *   changed their Cognito email): never overwritten, since another tenant's membership still points at it and its
   *   removal deletes the claim only if it is still its own. No tenant is created and the trigger throws
   *   (EmailClaimedError). Cognito has already confirmed the user, so the user can sign in but has no tenant, no group
   *   and no tenant claim: the API refuses them until an operator resolves the stale claim. Fail closed, and loud.
   */
  async function createTenant (userId: string, cognitoUsername: string, email: string): Promise<string> {
    const tenantId = tenantIdFor(userId)
    const at = now().toISOString()
    const groups: TenantGroup[] = [ADMIN_GROUP]
    const tenant: Tenant = { tenantId, name: tenantNameFor(email), status: 'active', createdAt: at, updatedAt: at }
    const membership: MembershipRecord = { tenantId, userId, email, groups, status: 'active', createdAt: at, updatedAt: at, cognitoUsername }
    const claim: EmailClaim = { email, status: 'user', userId, username: cognitoUsername, createdAt: at }
    const notExists = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
    try {
      await transact(dynamo, [
        { Put: { TableName: tableName, Item: { ...tenantItem(tenant), adminCount: 1 }, ...notExists } },
        { Put: { TableName: tableName, Item: { ...membershipItem(membership), cognitoUsername }, ...notExists } },
        {
          Put: {
            TableName: tableName,
            Item: emailClaimItem(claim),
            ConditionExpression: 'attribute_not_exists(#pk) OR #s = :pending',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#s': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending' }
          }
        }
      ])
    } catch (err) {
      if (!(err instanceof TransactionCancelled) || !err.reasons.includes('ConditionalCheckFailed')) throw err
      // A concurrent run of this trigger for the same user got there first (all three items committed together);
      // go on only if it really is this user's membership.
      const existing = await dynamo.send(new GetCommand({ TableName: tableName, Key: keys.membership(tenantId, userId), ConsistentRead: true }))
      if (existing.Item !== undefined) return tenantId
      if (err.failedAt(CLAIM_ITEM) && !err.failedAt(TENANT_ITEM) && !err.failedAt(MEMBERSHIP_ITEM)) {
        console.error(JSON.stringify({ msg: 'founder email claimed by another tenant; no tenant created', userId, cognitoUsername }))
        throw new EmailClaimedError()
      }
      throw err
    }
    return tenantId
  }

  return async function postConfirmation (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
    // ForgotPassword confirmations, and invited users (they already belong to a tenant), get nothing.
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event
    const attributes = event.request.userAttributes
    if (attributes[TENANT_ATTRIBUTE] !== undefined && attributes[TENANT_ATTRIBUTE] !== '') return event

    const userId = attributes.sub ?? event.userName
    // email is a required attribute of the pool (and the username attribute); without it there is nothing to claim.
    if (attributes.email === undefined || attributes.email === '') throw new Error('Confirmed user has no email')
    const email = normalizeEmail(attributes.email)
    // The founder is the tenant's admin through the membership alone: tenant roles are no Cognito groups.
    const tenantId = await findMembershipTenantId(dynamo, tableName, userId) ?? await createTenant(userId, event.userName, email)
    console.log(JSON.stringify({ msg: 'tenant admin ready', tenantId, userId }))
    return event
  }
}

let live: ReturnType<typeof createPostConfirmationHandler> | undefined
export async function handler (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  live ??= createPostConfirmationHandler({
    dynamo: documentClient(new DynamoDBClient({})),
    tableName: requireEnv('TABLE_NAME')
  })
  return await live(event)
}
