// Without Java, starting DynamoDB Local fails at once with a one-line message saying how to install it.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { startDynamoLocal } from '../../src/local/dynamodb-local.js'
import { childEnv } from '../helpers/child-env.js'

const execFileAsync = promisify(execFile)

function checkMessage (t: Test, message: string): void {
  t.notMatch(message, /\n/, 'one line')
  t.match(message, /Java 17\+ is required for DynamoDB Local/)
  t.match(message, /apt-get install -y openjdk-17-jre-headless/)
  t.match(message, /brew install openjdk@17/)
}

t.test('an injected java command that does not exist', async (t) => {
  const err = await startDynamoLocal({ javaCommand: 'java-that-does-not-exist' }).then(() => undefined, (e: unknown) => e)
  t.type(err, Error)
  checkMessage(t, (err as Error).message)
})

t.test('a PATH without java (subprocess)', async (t) => {
  // A PATH holding only node: java lives next to node in /usr/bin on many machines, so strip by directory.
  const bin = mkdtempSync(join(tmpdir(), 'no-java-'))
  t.teardown(() => rmSync(bin, { recursive: true, force: true }))
  symlinkSync(process.execPath, join(bin, 'node'))
  const moduleUrl = new URL('../../src/local/dynamodb-local.ts', import.meta.url).href
  const tsxLoader = import.meta.resolve('tsx/esm')
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => m.startDynamoLocal()).then(() => process.exit(0), (e) => { process.stderr.write(e.message); process.exit(3) })`
  const env: NodeJS.ProcessEnv = childEnv({ PATH: bin, HOME: process.env.HOME })
  const result = await execFileAsync(join(bin, 'node'), ['--import', tsxLoader, '--input-type=module', '-e', script], {
    env,
    cwd: fileURLToPath(new URL('../..', import.meta.url))
  }).then(() => ({ code: 0, stderr: '' }), (e: { code: number, stderr: string }) => e)
  t.equal(result.code, 3, 'startDynamoLocal rejected')
  checkMessage(t, result.stderr.trim())
})
