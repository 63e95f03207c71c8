// startLocalStack, the logic behind `npm run dev`: a second start on the same data reuses the pool, users and table.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import t from 'tap'
import { localCognitoClient, localDynamoClient } from '../../src/local/clients.js'
import { signIn } from '../../src/local/cognito-setup.js'
import { freePort } from '../../src/local/process.js'
import { startLocalStack } from '../../src/local/stack.js'
import { keys } from '../../src/repositories/keys.js'
import { documentClient } from '../../src/aws.js'

const execFileAsync = promisify(execFile)
t.setTimeout(180_000)

t.test('a second start on the same data dir reuses pool, users and data', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-stack-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

  const first = await startLocalStack({ dataDir, apiPort: 3999 })
  t.teardown(first.stop)
  t.ok(first.poolCreated, 'first run creates the pool')
  t.same(JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')), { userPoolId: first.userPoolId, clientId: first.clientId })
  t.match(first.env, {
    PORT: '3999',
    HOST: '127.0.0.1',
    COGNITO_USER_POOL_ID: first.userPoolId,
    COGNITO_CLIENT_IDS: first.clientId,
    COGNITO_ENDPOINT: first.cognitoShim.endpoint,
    COGNITO_ISSUER: `${first.cognito.endpoint}/${first.userPoolId}`,
    DYNAMODB_ENDPOINT: first.dynamo.endpoint,
    TABLE_NAME: 'saas-app',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local'
  })
  // Data written in the first run must survive the restart.
  const dynamo = localDynamoClient(first.dynamo.endpoint)
  const before = await documentClient(dynamo).send(new GetCommand({ TableName: first.tableName, Key: keys.tenant('demo') }))
  dynamo.destroy()
  await first.stop()

  const second = await startLocalStack({ dataDir })
  t.teardown(second.stop)
  t.notOk(second.poolCreated, 'second run reuses the pool')
  t.equal(second.userPoolId, first.userPoolId)
  t.equal(second.clientId, first.clientId)
  t.same(second.demo.users.map((u) => u.userId), first.demo.users.map((u) => u.userId), 'same demo users')

  const dynamo2 = localDynamoClient(second.dynamo.endpoint)
  t.teardown(() => dynamo2.destroy())
  const after = await documentClient(dynamo2).send(new GetCommand({ TableName: second.tableName, Key: keys.tenant('demo') }))
  t.ok(before.Item, 'the tenant was seeded')
  t.same(after.Item, before.Item, 'the tenant item survived the restart unchanged')

  const cognito = localCognitoClient(second.cognito.endpoint)
  t.teardown(() => cognito.destroy())
  const admin = second.demo.users.find((u) => u.role === 'admin')
  if (admin === undefined) throw new Error('no demo admin')
  const tokens = await signIn(cognito, { clientId: second.clientId, email: admin.email, password: admin.password })
  t.ok(tokens.accessToken)
})

t.test('when one service cannot start, the other is stopped and the error says why', async (t) => {
  const port = await freePort()
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())

  const err = await startLocalStack({ cognitoPort: port }).then(() => undefined, (e: unknown) => e)
  t.type(err, Error)
  t.match((err as Error).message, /cognito-local on port \d+ exited/)
  t.match((err as Error).message, /EADDRINUSE/, 'the emulator output is included')
  const { stdout } = await execFileAsync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).catch(() => ({ stdout: '' }))
  t.notMatch(stdout, /DynamoDBLocal/, 'DynamoDB Local, which did start, was stopped again')
})
