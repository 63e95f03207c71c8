// The local services against the real emulators: startup, table setup, sign-in tokens, JWKS, seed, clean stop.
import { execFile } from 'node:child_process'
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { promisify } from 'node:util'
import { DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import t from 'tap'
import { seedDemo } from '../../src/local/seed.js'
import { tokenCommand } from '../../src/local/stack.js'
import { ensureTable } from '../../src/dynamodb/table-setup.js'
import { keys } from '../../src/repositories/keys.js'
import { TABLE } from '../../src/dynamodb/table.js'
import { startServices } from '../helpers/local-services.js'

const execFileAsync = promisify(execFile)
t.setTimeout(120_000)

function decodeJwt (token: string): { header: Record<string, unknown>, payload: Record<string, unknown>, signingInput: string, signature: Buffer } {
  const [header, payload, signature] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined) throw new Error('not a JWT')
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url')
  }
}

async function answers (url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await res.body?.cancel()
    return true
  } catch {
    return false
  }
}

async function isAlive (pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const started = Date.now()
const services = await startServices(t)
t.comment(`services and setup ready in ${Date.now() - started} ms`)

t.test('both services start on free ports and answer', async (t) => {
  const { TableNames } = await services.dynamoClient.send(new ListTablesCommand({}))
  t.ok(TableNames?.includes(services.tableName), 'DynamoDB Local lists the test table')
  t.ok(await answers(services.cognitoEndpoint), 'cognito-local answers HTTP')
  t.not(services.processes.dynamo.port, 8000, 'not the dev port')
  t.not(services.processes.cognito.port, 9229, 'not the dev port')
})

t.test('ensureTable is idempotent and sets up the GSI and TTL', async (t) => {
  const again = await ensureTable(services.dynamoClient, services.tableName)
  t.same(again, { created: false, ttlEnabled: false }, 'second call finds the table and TTL in place')
  await ensureTable(services.dynamoClient, services.tableName)

  const { Table: table } = await services.dynamoClient.send(new DescribeTableCommand({ TableName: services.tableName }))
  t.equal(table?.TableStatus, 'ACTIVE')
  const gsi = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === TABLE.gsi1.indexName)
  t.ok(gsi, 'GSI1 exists')
  t.same(gsi?.KeySchema?.map((k) => k.AttributeName), [TABLE.gsi1.partitionKey, TABLE.gsi1.sortKey])
  const { TimeToLiveDescription: ttl } = await services.dynamoClient.send(new DescribeTimeToLiveCommand({ TableName: services.tableName }))
  t.equal(ttl?.TimeToLiveStatus, 'ENABLED')
  t.equal(ttl?.AttributeName, TABLE.ttlAttribute)

  const fresh = await ensureTable(services.dynamoClient, `${services.tableName}-2`)
  t.same(fresh, { created: true, ttlEnabled: true }, 'a new table reports created')
})

t.test('a local user signs in and gets an RS256 access token the JWKS verifies', async (t) => {
  const user = await services.createUser({ email: 'alice@example.test', password: 'Alice-Passw0rd', groups: ['platform-admins'], tenantId: 'acme' })
  t.match(user.userId, /^[0-9a-f-]{36}$/, 'userId is the sub')
  const tokens = await services.signIn({ email: 'alice@example.test', password: 'Alice-Passw0rd' })

  const access = decodeJwt(tokens.accessToken)
  t.equal(access.header.alg, 'RS256')
  t.equal(access.header.kid, 'CognitoLocal')
  t.same(access.payload['cognito:groups'], ['platform-admins'], 'the pool\'s one group: tenant roles live in memberships')
  t.equal(access.payload.client_id, services.clientId)
  t.equal(access.payload.sub, user.userId)
  t.equal(access.payload.token_use, 'access')
  t.equal(access.payload.iss, services.issuer)

  const id = decodeJwt(tokens.idToken)
  t.equal(id.payload['custom:tenant_id'], 'acme', 'the ID token carries the tenant')
  t.ok(tokens.refreshToken.length > 0)

  const res = await fetch(services.jwksUri)
  t.equal(res.status, 200)
  const jwks = await res.json() as { keys: Array<JsonWebKey & { kid: string }> }
  const jwk = jwks.keys.find((k) => k.kid === 'CognitoLocal')
  t.ok(jwk, 'JWKS serves kid CognitoLocal')
  if (jwk !== undefined) {
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    t.ok(verify('RSA-SHA256', Buffer.from(access.signingInput), key, access.signature), 'signature verifies with the JWKS key')
  }
})

t.test('the printed token command returns an access token (needs curl)', async (t) => {
  await services.createUser({ email: 'bob@example.test', password: "Bob-Passw0rd-it's", groups: [], tenantId: 'acme' })
  const command = tokenCommand({ cognitoEndpoint: services.cognitoEndpoint, clientId: services.clientId, email: 'bob@example.test', password: "Bob-Passw0rd-it's" })
  const { stdout } = await execFileAsync('sh', ['-c', `${command} && printf '%s' "$TOKEN"`])
  const { payload } = decodeJwt(stdout)
  t.equal(payload.client_id, services.clientId)
  t.same(payload['cognito:groups'] ?? [], [], 'no Cognito group for a tenant member')
})

t.test('seedDemo is idempotent', async (t) => {
  const opts = { dynamo: services.documentClient, tableName: services.tableName, cognito: services.cognitoClient, userPoolId: services.userPoolId }
  const first = await seedDemo(opts)
  const tenantKey = keys.tenant('demo')
  const before = await services.documentClient.send(new GetCommand({ TableName: services.tableName, Key: tenantKey }))
  const second = await seedDemo(opts)
  t.same(second.users.map((u) => u.userId), first.users.map((u) => u.userId), 'the same users are reused')

  const after = await services.documentClient.send(new GetCommand({ TableName: services.tableName, Key: tenantKey }))
  t.same(after.Item, before.Item, 'the tenant item is not rewritten')
  t.match(after.Item, { tenantId: 'demo', name: 'Demo Tenant', status: 'active', GSI1PK: keys.tenantsIndexPk })

  const admin = first.users.find((u) => u.role === 'admin')
  const operator = first.users.find((u) => u.role === 'operator')
  if (admin === undefined || operator === undefined) throw new Error('seed lacks admin or operator')
  const membership = await services.documentClient.send(new GetCommand({ TableName: services.tableName, Key: keys.membership('demo', admin.userId) }))
  t.match(membership.Item, { ...keys.membershipIndex('demo', admin.userId), email: 'admin@demo.local', groups: ['admins'], status: 'active' })
  const noMembership = await services.documentClient.send(new GetCommand({ TableName: services.tableName, Key: keys.membership('demo', operator.userId) }))
  t.notOk(noMembership.Item, 'the platform admin belongs to no tenant')

  const tokens = await services.signIn({ email: operator.email, password: operator.password })
  t.same(decodeJwt(tokens.accessToken).payload['cognito:groups'], ['platform-admins'])
})

// Last: stops the services this file started.
t.test('after stop() the ports no longer answer and no child process remains', async (t) => {
  const { dynamo, cognito } = services.processes
  const children = async (): Promise<string> => (await execFileAsync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).catch(() => ({ stdout: '' }))).stdout
  const before = await children()
  t.match(before, /DynamoDBLocal/, 'control: ps sees the java child')
  t.match(before, /cognito-local/, 'control: ps sees the cognito-local child')
  await services.stop()
  await services.stop() // idempotent
  t.notOk(await answers(dynamo.endpoint), 'DynamoDB Local port is closed')
  t.notOk(await answers(cognito.endpoint), 'cognito-local port is closed')
  t.notOk(await isAlive(dynamo.pid), 'java process is gone')
  t.notOk(await isAlive(cognito.pid), 'cognito-local process is gone')
  t.notMatch(await children(), /DynamoDBLocal|cognito-local/, 'no service child left')
})
