// The whole local stack for `npm run dev`: both emulators (cognito-local behind the shim that fills its gaps), the table, the user pool and the demo seed.
import { DescribeUserPoolClientCommand, DescribeUserPoolCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ensureTable } from '../dynamodb/table-setup.js'
import { TABLE } from '../dynamodb/table.js'
import { LOCAL_REGION, localCognitoClient, localDynamoClient } from './clients.js'
import { cognitoLocalIssuer, startCognitoLocal, type CognitoLocal } from './cognito-local.js'
import { createLocalUserPool, type LocalUserPool } from './cognito-setup.js'
import { startCognitoShim, type CognitoShim, type ShimMessage } from './cognito-shim.js'
import { startDynamoLocal, type DynamoLocal } from './dynamodb-local.js'
import { startManagedLogin, type ManagedLogin } from './managed-login.js'
import { localFederation } from './managed-login-users.js'
import { seedDemo, type DemoSeed } from './seed.js'
import type { LocalConsoleConfig } from './console.js'
import { documentClient, LOCAL_CREDENTIALS } from '../aws.js'

export interface LocalStackOptions {
  /** Keeps DynamoDB data, cognito-local data and the pool ids here between runs; without it everything is temporary. */
  dataDir?: string
  /** Default: a free port. */
  dynamoPort?: number
  /** Default: a free port. */
  cognitoPort?: number
  /** The shim in front of cognito-local, every client's Cognito endpoint; default: a free port. */
  cognitoShimPort?: number
  /** The local managed login (src/local/managed-login.ts), the API's COGNITO_DOMAIN; default: a free port. */
  managedLoginPort?: number
  /** Each temporary password the shim issues (Cognito would email it); default: none. */
  onMessage?: (message: ShimMessage) => void
  /** Only used to build `env.PORT` for the API; default 3000. */
  apiPort?: number
  tableName?: string
}

export interface LocalStack {
  /** loopbackOnly: false when this Java cannot bind it to 127.0.0.1 (see src/local/dynamodb-local.ts). */
  dynamo: { endpoint: string, port: number, loopbackOnly: boolean }
  /** cognito-local itself: the token issuer (and its JWKS); no client signs in here. */
  cognito: { endpoint: string, port: number }
  /** The shim in front of cognito-local (src/local/cognito-shim.ts): every client's Cognito endpoint, the API's COGNITO_ENDPOINT. */
  cognitoShim: { endpoint: string, port: number }
  /** The local managed login: SSO sign-in through a tenant's OIDC provider; allow the console's page as its callback. */
  managedLogin: Pick<ManagedLogin, 'origin' | 'domain' | 'port' | 'allowRedirectUri'>
  userPoolId: string
  clientId: string
  issuer: string
  tableName: string
  /** Environment for the API process. */
  env: Record<string, string>
  demo: DemoSeed
  /** Whether the pool was created on this run (false: reused from <dataDir>/state.json). */
  poolCreated: boolean
  stop: () => Promise<void>
}

interface State { userPoolId: string, clientId: string }

export async function startLocalStack (options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir)
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true })
  const tableName = options.tableName ?? TABLE.defaultName

  const [dynamoStart, cognitoStart] = await Promise.allSettled([
    startDynamoLocal({
      port: options.dynamoPort,
      persistent: dataDir === undefined ? undefined : join(dataDir, 'dynamodb'),
      logFile: dataDir === undefined ? undefined : join(dataDir, 'dynamodb.log')
    }),
    startCognitoLocal({
      port: options.cognitoPort,
      dataDir: dataDir === undefined ? undefined : join(dataDir, 'cognito'),
      logFile: dataDir === undefined ? undefined : join(dataDir, 'cognito.log')
    })
  ])
  const started = [dynamoStart, cognitoStart].flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
  const stopServices = async (): Promise<void> => { await Promise.all(started.map(async (s) => await s.stop())) }
  if (dynamoStart.status === 'rejected' || cognitoStart.status === 'rejected') {
    await stopServices()
    throw dynamoStart.status === 'rejected' ? dynamoStart.reason : (cognitoStart as PromiseRejectedResult).reason
  }
  const dynamoLocal: DynamoLocal = dynamoStart.value
  const cognitoLocal: CognitoLocal = cognitoStart.value

  const dynamoClient = localDynamoClient(dynamoLocal.endpoint)
  const doc = documentClient(dynamoClient)
  const cognitoClient = localCognitoClient(cognitoLocal.endpoint)
  let shim: CognitoShim | undefined
  let login: ManagedLogin | undefined
  const shimClient = { current: undefined as CognitoIdentityProviderClient | undefined }
  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= (async () => {
      dynamoClient.destroy()
      cognitoClient.destroy()
      shimClient.current?.destroy()
      await login?.close()
      await shim?.close()
      await stopServices()
    })()
    await stopped
  }

  try {
    // cognito-local lacks AdminUserGlobalSignOut and AdminCreateUser RESEND, signs in disabled users and takes any
    // temporary password: every client goes through the shim, which answers and refuses as Cognito does.
    shim = await startCognitoShim(cognitoLocal.endpoint, {
      port: options.cognitoShimPort,
      stateFile: dataDir === undefined ? undefined : join(dataDir, 'temporary-passwords.json'),
      identityProviderFile: dataDir === undefined ? undefined : join(dataDir, 'identity-providers.json'),
      onMessage: options.onMessage
    })
    await ensureTable(dynamoClient, tableName)
    const { pool, created } = await userPool(cognitoClient, dataDir)
    const demo = await seedDemo({ dynamo: doc, tableName, cognito: cognitoClient, userPoolId: pool.userPoolId })
    const issuer = cognitoLocalIssuer(cognitoLocal.endpoint, pool.userPoolId)
    shimClient.current = localCognitoClient(shim.endpoint)
    const federation = localFederation({ cognitoLocal: cognitoClient, cognito: shimClient.current, providers: shim.providers, dynamo: doc, tableName, issuerBase: cognitoLocal.endpoint })
    shim.useFederatedTokens(federation)
    login = await startManagedLogin({
      port: options.managedLoginPort,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      providers: shim.providers,
      federation,
      supportedProviders: async () => (await cognitoClient.send(new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }))).UserPoolClient?.SupportedIdentityProviders ?? []
    })
    const env: Record<string, string> = {
      PORT: String(options.apiPort ?? 3000),
      HOST: '127.0.0.1',
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_IDS: pool.clientId,
      COGNITO_ENDPOINT: shim.endpoint,
      COGNITO_ISSUER: issuer,
      COGNITO_DOMAIN: login.domain,
      DYNAMODB_ENDPOINT: dynamoLocal.endpoint,
      TABLE_NAME: tableName,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey
    }
    return {
      dynamo: { endpoint: dynamoLocal.endpoint, port: dynamoLocal.port, loopbackOnly: dynamoLocal.loopbackOnly },
      cognito: { endpoint: cognitoLocal.endpoint, port: cognitoLocal.port },
      cognitoShim: { endpoint: shim.endpoint, port: shim.port },
      managedLogin: { origin: login.origin, domain: login.domain, port: login.port, allowRedirectUri: login.allowRedirectUri },
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      issuer,
      tableName,
      env,
      demo,
      poolCreated: created,
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The pool recorded in <dataDir>/state.json if cognito-local still has it, else a new one (recorded there). */
async function userPool (client: CognitoIdentityProviderClient, dataDir: string | undefined): Promise<{ pool: LocalUserPool, created: boolean }> {
  const stateFile = dataDir === undefined ? undefined : join(dataDir, 'state.json')
  if (stateFile !== undefined && existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<State>
    if (typeof state.userPoolId === 'string' && typeof state.clientId === 'string' && await poolExists(client, state as State)) {
      return { pool: { userPoolId: state.userPoolId, clientId: state.clientId }, created: false }
    }
  }
  const pool = await createLocalUserPool(client, { poolName: 'local-dev' })
  if (stateFile !== undefined) writeFileSync(stateFile, JSON.stringify(pool, null, 2) + '\n')
  return { pool, created: true }
}

async function poolExists (client: CognitoIdentityProviderClient, { userPoolId, clientId }: State): Promise<boolean> {
  try {
    await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))
    await client.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }))
    return true
  } catch (err) {
    // The cognito data was wiped by hand but state.json survived: start over with a new pool.
    if ((err as Error).name === 'ResourceNotFoundException') return false
    throw err
  }
}

/**
 * The console's config.json for this stack: the API at `apiUrl`, local sign-in at the stack's Cognito endpoint and, with
 * `sso`, SSO sign-in through the local managed login (the console's page, `consoleUrl`, becomes an allowed callback).
 */
export function localConsoleConfig (stack: LocalStack, apiUrl: string, sso?: { consoleUrl: string }): LocalConsoleConfig {
  if (sso !== undefined) stack.managedLogin.allowRedirectUri(sso.consoleUrl)
  return { apiUrl, region: stack.env.AWS_REGION ?? LOCAL_REGION, userPoolId: stack.userPoolId, clientId: stack.clientId, cognitoEndpoint: stack.cognitoShim.endpoint, ...(sso !== undefined ? { cognitoDomain: stack.managedLogin.origin, redirectUri: sso.consoleUrl } : {}) }
}

/** The sign-in command `npm run dev` prints (and the README shows) for a user of this stack. */
export function signInCommand (stack: LocalStack, user: { email: string, password: string }): string {
  return tokenCommand({ cognitoEndpoint: stack.cognitoShim.endpoint, clientId: stack.clientId, email: user.email, password: user.password })
}

/**
 * A shell command that signs in at the Cognito endpoint and sets $TOKEN to the access token, or prints Cognito's
 * refusal (e.g. "User is disabled.") and sets none. Needs only curl and node (no jq). POSIX-quoted, so it pastes into
 * bash and zsh alike.
 */
export function tokenCommand ({ cognitoEndpoint, clientId, email, password }: { cognitoEndpoint: string, clientId: string, email: string, password: string }): string {
  const body = JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: password } })
  const extract = 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); r.AuthenticationResult?.AccessToken ?? (console.error(r.message ?? r.__type), process.exit(1))'
  return [
    `TOKEN=$(curl -sS -X POST ${shellQuote(cognitoEndpoint + '/')}`,
    '-H \'Content-Type: application/x-amz-json-1.1\'',
    '-H \'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\'',
    `-d ${shellQuote(body)}`,
    `| node -pe ${shellQuote(extract)})`
  ].join(' ')
}

function shellQuote (text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}
