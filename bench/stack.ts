// What the scenarios share: one mock Cognito issuer (its JWKS count covers the whole run), and on top of it, for the
// scenarios that need data, one DynamoDB Local holding the bench tenant and its member and one app server (the real
// buildApp) in child processes, pointed at both. Authentication alone needs only the issuer: no Java, no app.
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { localDynamoClient } from '../src/local/clients.js'
import { startDynamoLocal } from '../src/local/dynamodb-local.js'
import { ensureTable } from '../src/dynamodb/table-setup.js'
import { tenantItem } from '../src/repositories/tenants.js'
import { membershipItem } from '../src/repositories/memberships.js'
import { startIssuer, type TestIssuer } from '../test/helpers/issuer.js'
import { GROUPS, TENANT_ID, TENANT_NAME, USER_ID } from './fixtures.js'
import { onBenchEnd, once, reportJwksIssuer, reportJwksOf, serve, type RunningServer } from './lib.js'
import { documentClient } from '../src/aws.js'

/** The servers' verified-token cache; the distinct-token scenarios cycle through more tokens than this. */
export const TOKEN_CACHE_SIZE = 2000
const TABLE_NAME = 'bench-table'

export interface BenchIssuer {
  issuer: TestIssuer
  /** All a token-verifying server needs (loadConfig's required COGNITO_* included): trust this issuer, the bench's cache. */
  env: Record<string, string>
  /** A valid access token of USER_ID. */
  token: (overrides?: Record<string, unknown>) => string
}

export interface BenchData extends BenchIssuer {
  /** The issuer's env plus DynamoDB Local; servers doing the app's DynamoDB work get it too. */
  env: Record<string, string>
}

export interface BenchStack extends BenchData {
  app: RunningServer
}

export const benchIssuer = once(async (): Promise<BenchIssuer> => {
  const issuer = await startIssuer({ clientId: 'bench-client' })
  onBenchEnd(() => issuer.close())
  reportJwksIssuer(issuer)
  return {
    issuer,
    env: { ...issuer.env, LOG_LEVEL: 'silent', TOKEN_CACHE_SIZE: String(TOKEN_CACHE_SIZE) },
    token: (overrides = {}) => issuer.sign(issuer.accessClaims({ sub: USER_ID, ...overrides }))
  }
})

/** DynamoDB Local, seeded with the bench tenant and member, and the env that points a server at it; no server. */
export const benchData = once(async (): Promise<BenchData> => {
  const base = await benchIssuer()
  const started = Date.now()
  const dynamo = await startDynamoLocal()
  onBenchEnd(() => dynamo.stop())
  const client = localDynamoClient(dynamo.endpoint)
  const doc = documentClient(client)
  try {
    await ensureTable(client, TABLE_NAME, { timeoutMs: 60_000 })
    const now = new Date().toISOString()
    await doc.send(new PutCommand({ TableName: TABLE_NAME, Item: tenantItem({ tenantId: TENANT_ID, name: TENANT_NAME, status: 'active', createdAt: now, updatedAt: now }) }))
    await doc.send(new PutCommand({
      TableName: TABLE_NAME,
      Item: membershipItem({ tenantId: TENANT_ID, userId: USER_ID, email: 'alice@example.com', groups: [...GROUPS], status: 'active', createdAt: now, updatedAt: now })
    }))
  } finally {
    doc.destroy()
    client.destroy()
  }
  console.log(`  DynamoDB Local up and seeded in ${Date.now() - started} ms`)
  const env = {
    ...base.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    TABLE_NAME,
    // One tenant at thousands of req/s would exhaust the default budget (1000/min) within a second and measure 429s.
    // The limiter still runs, keys and counts on every request; only its ceiling is out of reach.
    RATE_LIMIT_MAX: '1000000',
    // Likewise for the one bench member's own limit (never above RATE_LIMIT_MAX).
    CALLER_RATE_LIMIT_MAX: '1000000'
  }
  return { ...base, env }
})

export const benchStack = once(async (): Promise<BenchStack> => {
  const data = await benchData()
  const app = await serve('app', data.env)
  reportJwksOf('app', app)
  return { ...data, app }
})
