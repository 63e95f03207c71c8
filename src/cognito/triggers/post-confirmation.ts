// Cognito post confirmation trigger: gives a self-signed-up user a new tenant, makes them its admin (through the membership) and records their email.
import { createHash } from 'node:crypto'
import type { PostConfirmationTriggerEvent } from 'aws-lambda'
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys, normalizeEmail } from '../../repositories/keys.js'
import { transact, TransactionCancelled } from '../../repositories/transact.js'
import { membershipLedger } from '../../services/users/ledger.js'
import { domainJoining } from '../../services/users/domain-join.js'
import type { Tenant } from '../../domain/model.js'
import { findMembershipTenantId } from './membership-lookup.js'
import { TENANT_ATTRIBUTE } from './pre-sign-up.js'
import { federatedProviders } from './federation.js'

export interface PostConfirmationDeps {
  dynamo: DynamoDBDocumentClient
  tableName: string
  now?: () => Date
}

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

export function createPostConfirmationHandler ({ dynamo, tableName, now = () => new Date() }: PostConfirmationDeps) {
  const ledger = membershipLedger({ dynamo: { doc: dynamo, tableName }, now })
  const joining = domainJoining({ dynamo: { doc: dynamo, tableName }, now })

  /**
   * One transaction writes the tenant (adminCount 1: the founder is its one active admin), the founder's admins
   * membership, their account record and the email record naming them (src/services/users/ledger.ts foundingItems,
   * the one function the local seed uses too). Cognito has just confirmed this user with the address and keeps one
   * user per address (email is the username attribute), so an email record naming anyone else is stale (a pending
   * invite that can no longer finish, or an account that moved to another address) and is replaced, never followed.
   */
  async function createTenant (userId: string, cognitoUsername: string, email: string): Promise<string> {
    const tenantId = tenantIdFor(userId)
    const at = now().toISOString()
    const tenant: Tenant = { tenantId, name: tenantNameFor(email), status: 'active', createdAt: at, updatedAt: at }
    try {
      await transact(dynamo, ledger.foundingItems(tenant, { userId, username: cognitoUsername, email }))
    } catch (err) {
      if (!(err instanceof TransactionCancelled) || !err.reasons.includes('ConditionalCheckFailed')) throw err
      // A concurrent run of this trigger for the same user got there first (all items committed together): go on
      // only if it really is this user's membership.
      const existing = await dynamo.send(new GetCommand({ TableName: tableName, Key: keys.membership(tenantId, userId), ConsistentRead: true }))
      if (existing.Item !== undefined) return tenantId
      throw err
    }
    return tenantId
  }

  return async function postConfirmation (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
    // ForgotPassword confirmations, and invited users (they already belong to a tenant), get nothing.
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event
    const attributes = event.request.userAttributes
    if (attributes[TENANT_ATTRIBUTE] !== undefined && attributes[TENANT_ATTRIBUTE] !== '') return event

    // A federated first sign-in never founds a tenant: its membership comes from the provider's tenant, just in time
    // (pre token generation, which runs right after this and at every later sign-in).
    if (federatedProviders(attributes, event.userName).length > 0) return event
    const userId = attributes.sub ?? event.userName
    // email is a required attribute of the pool (and the username attribute); without it there is nothing to claim.
    if (attributes.email === undefined || attributes.email === '') throw new Error('Confirmed user has no email')
    const email = normalizeEmail(attributes.email)
    // The founder is the tenant's admin through the membership alone: tenant roles are no Cognito groups.
    const existing = await findMembershipTenantId(dynamo, tableName, userId)
    // An address at a tenant's verified domain (policy join or suggest) joins or is offered that tenant instead.
    if (existing === undefined && await joining.onSignUp({ userId, username: event.userName, email })) return event
    const tenantId = existing ?? await createTenant(userId, event.userName, email)
    console.log(JSON.stringify({ msg: 'tenant admin ready', tenantId, userId }))
    return event
  }
}
