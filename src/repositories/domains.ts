// Domain claims (PK=TENANT#<t>, SK=DOMAIN#<domain>) and the one owner of each verified domain (PK=DOMAIN#<domain>).
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'
import { TABLE } from '../dynamodb/table.js'
import type { TransactItem } from './transact.js'

/**
 * What a verified domain does for people with an address there: nothing (off), offer the tenant among their
 * invitations (suggest), or make them a member at their next sign-in (join).
 */
export const DOMAIN_POLICIES = ['off', 'suggest', 'join'] as const
export type DomainPolicy = typeof DOMAIN_POLICIES[number]
export interface DomainOwner { domain: string, tenantId: string, verifiedAt: string, policy: DomainPolicy }

/** pending: the TXT record is awaited; verified: this tenant owns the domain; ended: another tenant verified it first. */
export type DomainClaimStatus = 'pending' | 'verified' | 'ended'
export interface DomainClaim {
  tenantId: string
  domain: string
  token: string
  status: DomainClaimStatus
  createdAt: string
  verifiedAt?: string
  /** Epoch seconds, pending claims only: the table's TTL removes them after it (a read treats them as gone at once). */
  expiresAt?: number
}

const toClaim = (item: Record<string, unknown>): DomainClaim => ({
  tenantId: item.tenantId as string,
  domain: item.domain as string,
  token: item.token as string,
  status: item.status as DomainClaimStatus,
  createdAt: item.createdAt as string,
  ...(typeof item.verifiedAt === 'string' ? { verifiedAt: item.verifiedAt } : {}),
  ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {})
})

export function domainsRepository (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) {
  const { doc, tableName } = dynamo
  /** The verified domain's owner record, with its policy (off when never set). */
  async function owner (domain: string, opts: { consistent?: boolean } = { consistent: true }): Promise<DomainOwner | null> {
    const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.domainOwner(domain), ConsistentRead: opts.consistent }))
    const item = res.Item
    if (typeof item?.tenantId !== 'string') return null
    const policy = DOMAIN_POLICIES.includes(item.policy as DomainPolicy) ? item.policy as DomainPolicy : 'off'
    return { domain, tenantId: item.tenantId, verifiedAt: String(item.verifiedAt), policy }
  }

  return {
    async get (scope: TenantScope, domain: string): Promise<DomainClaim | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.domainClaim(scope.tenantId, domain), ConsistentRead: true }))
      return res.Item ? toClaim(res.Item) : null
    },

    /** The tenant's claims (a tenant holds few: one page of up to 100 is all of them in practice, every page is read). */
    async list (scope: TenantScope): Promise<DomainClaim[]> {
      const found: DomainClaim[] = []
      let start: Record<string, unknown> | undefined
      do {
        const res = await doc.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.tenantPk(scope.tenantId), ':prefix': keys.domainSkPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: start
        }))
        for (const item of res.Items ?? []) found.push(toClaim(item))
        start = res.LastEvaluatedKey
      } while (start !== undefined)
      return found
    },

    /** The tenant that owns the domain, if any tenant verified it. */
    async ownerOf (domain: string): Promise<string | null> {
      return (await owner(domain))?.tenantId ?? null
    },

    owner,

    /** Sets the policy of a domain this tenant owns (the condition refuses anyone else's). */
    setPolicy (scope: TenantScope, domain: string, policy: DomainPolicy): TransactItem {
      return {
        Update: {
          TableName: tableName,
          Key: keys.domainOwner(domain),
          UpdateExpression: 'SET policy = :p',
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':p': policy, ':t': scope.tenantId }
        }
      }
    },

    /** A new claim, or one replacing an expired or ended claim of this tenant; never a verified one. */
    putPending (claim: DomainClaim): TransactItem {
      return {
        Put: {
          TableName: tableName,
          Item: { ...keys.domainClaim(claim.tenantId, claim.domain), ...keys.domainClaimIndex(claim.tenantId, claim.domain), type: 'domainClaim', ...claim },
          ConditionExpression: 'attribute_not_exists(PK) OR #s <> :verified',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':verified': 'verified' }
        }
      }
    },

    /** Verification: the owner record, written once (the first tenant to verify wins), and the claim turned verified. */
    verifyItems (scope: TenantScope, domain: string, token: string, at: string): TransactItem[] {
      return [
        { Put: { TableName: tableName, Item: { ...keys.domainOwner(domain), type: 'domainOwner', domain, tenantId: scope.tenantId, verifiedAt: at }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Update: {
            TableName: tableName,
            Key: keys.domainClaim(scope.tenantId, domain),
            UpdateExpression: 'SET #s = :verified, verifiedAt = :at REMOVE expiresAt',
            ConditionExpression: '#s = :pending AND #token = :token',
            ExpressionAttributeNames: { '#s': 'status', '#token': 'token' },
            ExpressionAttributeValues: { ':verified': 'verified', ':pending': 'pending', ':at': at, ':token': token }
          }
        }
      ]
    },

    /** Every tenant's pending claim on the domain (GSI1), to end them once one tenant has verified it. */
    async claimantsOf (domain: string): Promise<string[]> {
      const res = await doc.send(new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.gsi1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.domainClaimIndex('x', domain).GSI1PK }
      }))
      return (res.Items ?? []).map(i => i.tenantId as string)
    },

    /** Ends another tenant's pending claim (no-op if it is gone or no longer pending). */
    async end (tenantId: string, domain: string): Promise<void> {
      try {
        await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: keys.domainClaim(tenantId, domain),
          UpdateExpression: 'SET #s = :ended REMOVE #token',
          ConditionExpression: '#s = :pending',
          ExpressionAttributeNames: { '#s': 'status', '#token': 'token' },
          ExpressionAttributeValues: { ':ended': 'ended', ':pending': 'pending' }
        }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    },

    /** The claim goes, and with it this tenant's ownership (only if it is still this tenant's). */
    removeItems (scope: TenantScope, domain: string, owned: boolean): TransactItem[] {
      return [
        { Delete: { TableName: tableName, Key: keys.domainClaim(scope.tenantId, domain) } },
        ...(owned ? [{ Delete: { TableName: tableName, Key: keys.domainOwner(domain), ConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': scope.tenantId } } }] : [])
      ]
    },

    async deleteClaim (scope: TenantScope, domain: string): Promise<void> {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: keys.domainClaim(scope.tenantId, domain) }))
    }
  }
}
