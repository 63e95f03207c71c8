// SSO connections (PK=TENANT#<t>, SK=SSO#<name>), each verified domain's one connection (PK=DOMAIN#<d>, SK=SSO), the tenant's enforcement, and the app-client lease.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { TenantScope } from '../domain/tenant-scope.js'
import { keys } from './keys.js'
import type { TransactItem } from './transact.js'

export type SsoType = 'OIDC' | 'SAML'
export interface SsoConnection {
  tenantId: string
  providerName: string
  type: SsoType
  domains: string[]
  createdAt: string
  /** OIDC: the issuer, client id and scopes (the secret is kept by Cognito only). */
  issuer?: string
  clientId?: string
  scopes?: string[]
  /** SAML: where the metadata came from (a URL, or given inline) and the IdP's entity ID. */
  metadataUrl?: string
  idpEntityId?: string
}
/** What sign-in needs to know of an email domain: whose connection it routes to, and whether password sign-in is refused. */
export interface SsoDomain { domain: string, tenantId: string, providerName: string, enforced: boolean }

/** An item as the API sees it: the item's `type` is its kind (ssoConnection), the connection's is kept as `protocol`. */
function toConnection (item: Record<string, unknown>): SsoConnection {
  const { PK: _pk, SK: _sk, type: _kind, protocol, ...c } = item
  return { ...c, type: protocol } as SsoConnection
}

type Dynamo = { doc: DynamoDBDocumentClient, tableName: string }

export function ssoRepository (dynamo: Dynamo) {
  const { doc, tableName } = dynamo
  return {
    /** The connection and its domains' records, each domain at most once across every tenant (else the write fails). */
    createItems (c: SsoConnection, enforced: boolean): TransactItem[] {
      return [
        { Put: { TableName: tableName, Item: { ...keys.ssoConnection(c.tenantId, c.providerName), ...c, type: 'ssoConnection', protocol: c.type }, ConditionExpression: 'attribute_not_exists(PK)' } },
        ...c.domains.map(domain => ({
          Put: { TableName: tableName, Item: { ...keys.ssoDomain(domain), type: 'ssoDomain', domain, tenantId: c.tenantId, providerName: c.providerName, enforced }, ConditionExpression: 'attribute_not_exists(PK)' }
        }))
      ]
    },

    deleteItems (c: SsoConnection): TransactItem[] {
      return [
        { Delete: { TableName: tableName, Key: keys.ssoConnection(c.tenantId, c.providerName) } },
        ...c.domains.map(domain => ({
          Delete: { TableName: tableName, Key: keys.ssoDomain(domain), ConditionExpression: 'attribute_not_exists(PK) OR providerName = :p', ExpressionAttributeValues: { ':p': c.providerName } }
        }))
      ]
    },

    async get (scope: TenantScope, providerName: string): Promise<SsoConnection | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.ssoConnection(scope.tenantId, providerName), ConsistentRead: true }))
      return res.Item === undefined ? null : toConnection(res.Item)
    },

    /** The tenant's connections, every page. */
    async list (scope: TenantScope): Promise<SsoConnection[]> {
      const found: SsoConnection[] = []
      let start: Record<string, unknown> | undefined
      do {
        const res = await doc.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.tenantPk(scope.tenantId), ':prefix': keys.ssoSkPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: start
        }))
        for (const item of res.Items ?? []) found.push(toConnection(item))
        start = res.LastEvaluatedKey
      } while (start !== undefined)
      return found
    },

    /** The connection an email domain routes to, if any (an eventually consistent read: sign-in and discovery). */
    async domain (domain: string, opts: { consistent?: boolean } = {}): Promise<SsoDomain | null> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.ssoDomain(domain), ConsistentRead: opts.consistent }))
      const item = res.Item
      if (typeof item?.tenantId !== 'string') return null
      return { domain, tenantId: item.tenantId, providerName: String(item.providerName), enforced: item.enforced === true }
    },

    async enforced (scope: TenantScope): Promise<boolean> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.ssoSettings(scope.tenantId), ConsistentRead: true }))
      return res.Item?.required === true
    },

    /** The tenant's setting, and each of its connected domains' copy that the pre authentication trigger reads. */
    enforcementItems (scope: TenantScope, required: boolean, domains: Array<{ domain: string, providerName: string }>): TransactItem[] {
      return [
        { Put: { TableName: tableName, Item: { ...keys.ssoSettings(scope.tenantId), type: 'ssoSettings', required } } },
        ...domains.map(d => ({
          Update: {
            TableName: tableName,
            Key: keys.ssoDomain(d.domain),
            UpdateExpression: 'SET enforced = :e',
            ConditionExpression: 'tenantId = :t AND providerName = :p',
            ExpressionAttributeValues: { ':e': required, ':t': scope.tenantId, ':p': d.providerName }
          }
        }))
      ]
    },

    /** Takes the app client's lease if it is free or expired; false when someone else holds it. */
    async acquireLease (clientId: string, owner: string, ttlMs: number): Promise<boolean> {
      const now = Date.now()
      try {
        await doc.send(new PutCommand({
          TableName: tableName,
          Item: { ...keys.ssoClientLock(clientId), type: 'lease', owner, until: now + ttlMs, expiresAt: Math.ceil((now + ttlMs) / 1000) + 3600 },
          ConditionExpression: 'attribute_not_exists(PK) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now }
        }))
        return true
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return false
        throw err
      }
    },

    async releaseLease (clientId: string, owner: string): Promise<void> {
      try {
        await doc.send(new DeleteCommand({ TableName: tableName, Key: keys.ssoClientLock(clientId), ConditionExpression: '#owner = :o', ExpressionAttributeNames: { '#owner': 'owner' }, ExpressionAttributeValues: { ':o': owner } }))
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
      }
    }
  }
}
export type SsoRepository = ReturnType<typeof ssoRepository>
