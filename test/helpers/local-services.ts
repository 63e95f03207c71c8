// Integration-test helper: DynamoDB Local and cognito-local on free ports, a fresh table and user pool, torn down with the test.
// startDynamo is the DynamoDB-only half, for stacks whose tokens come from the fake issuer (test/helpers/issuer.ts).
import { randomUUID } from 'node:crypto'
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { localCognitoClient, localDynamoClient } from '../../src/local/clients.js'
import { cognitoLocalIssuer, startCognitoLocal, type CognitoLocal } from '../../src/local/cognito-local.js'
import { createLocalUser, createLocalUserPool, signIn, type CreateLocalUserOptions, type LocalUser, type Tokens } from '../../src/local/cognito-setup.js'
import { startDynamoLocal, type DynamoLocal } from '../../src/local/dynamodb-local.js'
import { ensureTable } from '../../src/dynamodb/table-setup.js'
import { documentClient } from '../../src/aws.js'

/** The part of a tap Test this helper needs (keeps it usable from any tap version or a plain object). */
export interface TeardownHost {
  teardown: (fn: () => unknown) => void
}

/** An item as stored right now (a consistent read, so it sees the write a request just made), or null. */
export type ItemReader = (key: Record<string, string>) => Promise<Record<string, unknown> | null>

function itemReader (doc: DynamoDBDocumentClient, tableName: string): ItemReader {
  return async (key) => (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item ?? null
}

export interface LocalServices {
  dynamoEndpoint: string
  cognitoEndpoint: string
  tableName: string
  userPoolId: string
  clientId: string
  issuer: string
  jwksUri: string
  dynamoClient: DynamoDBClient
  documentClient: DynamoDBDocumentClient
  cognitoClient: CognitoIdentityProviderClient
  item: ItemReader
  /** What the app needs to trust this pool and use this table (the COGNITO_* and DynamoDB settings); give it to build(). */
  env: Record<string, string>
  /** The processes, for tests about the services themselves. */
  processes: { dynamo: DynamoLocal, cognito: CognitoLocal }
  createUser: (opts: Omit<CreateLocalUserOptions, 'userPoolId'>) => Promise<LocalUser>
  signIn: (opts: { email: string, password: string }) => Promise<Tokens>
  /** Idempotent; also registered with t.teardown. */
  stop: () => Promise<void>
}

export interface LocalDynamo {
  endpoint: string
  tableName: string
  client: DynamoDBClient
  doc: DynamoDBDocumentClient
  item: ItemReader
  /** What the app needs to use this table: DYNAMODB_ENDPOINT and TABLE_NAME. */
  env: Record<string, string>
}

/** DynamoDB Local alone on a free port, with the app's table (default: build.ts's baseEnv TABLE_NAME); stopped when `t` ends. */
export async function startDynamo (t: TeardownHost, tableName = 'test-table'): Promise<LocalDynamo> {
  const dynamo = await startDynamoLocal()
  const client = localDynamoClient(dynamo.endpoint)
  const doc = documentClient(client)
  t.teardown(async () => {
    doc.destroy()
    client.destroy()
    await dynamo.stop()
  })
  await ensureTable(client, tableName)
  return { endpoint: dynamo.endpoint, tableName, client, doc, item: itemReader(doc, tableName), env: { DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_NAME: tableName } }
}

export async function startServices (t: TeardownHost): Promise<LocalServices> {
  // Both at once: the JVM's start dominates (a few seconds), cognito-local is up well before it.
  const [dynamoStart, cognitoStart] = await Promise.allSettled([startDynamoLocal(), startCognitoLocal()])
  const running = [dynamoStart, cognitoStart].flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
  let clients: Array<{ destroy: () => void }> = []
  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= (async () => {
      for (const c of clients) c.destroy()
      await Promise.all(running.map(async (s) => await s.stop()))
    })()
    await stopped
  }
  // Registered before anything else can fail, so a failing setup still cleans up.
  t.teardown(stop)
  if (dynamoStart.status === 'rejected') throw dynamoStart.reason
  if (cognitoStart.status === 'rejected') throw cognitoStart.reason
  const dynamo = dynamoStart.value
  const cognito = cognitoStart.value

  const dynamoClient = localDynamoClient(dynamo.endpoint)
  const doc = documentClient(dynamoClient)
  const cognitoClient = localCognitoClient(cognito.endpoint)
  clients = [doc, dynamoClient, cognitoClient]

  const tableName = `test-${randomUUID().slice(0, 8)}`
  const [, pool] = await Promise.all([
    ensureTable(dynamoClient, tableName),
    createLocalUserPool(cognitoClient, { poolName: `test-${randomUUID().slice(0, 8)}` })
  ])
  const issuer = cognitoLocalIssuer(cognito.endpoint, pool.userPoolId)

  return {
    dynamoEndpoint: dynamo.endpoint,
    cognitoEndpoint: cognito.endpoint,
    tableName,
    userPoolId: pool.userPoolId,
    clientId: pool.clientId,
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    dynamoClient,
    documentClient: doc,
    cognitoClient,
    item: itemReader(doc, tableName),
    env: {
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_IDS: pool.clientId,
      COGNITO_ISSUER: issuer,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: tableName,
      // cognito-local on a saturated CI host has answered its JWKS after the default 1.5 s, and the first request then
      // met a 503 (keys unavailable) in tests about something else. The JWKS timeout's own tests set theirs.
      JWKS_TIMEOUT_MS: '10000'
    },
    processes: { dynamo, cognito },
    createUser: async (opts) => await createLocalUser(cognitoClient, { ...opts, userPoolId: pool.userPoolId }),
    signIn: async ({ email, password }) => await signIn(cognitoClient, { clientId: pool.clientId, email, password }),
    stop
  }
}
