// `npm run dev`: the local stack (DynamoDB Local, cognito-local, table, pool, demo data), the web console (built when
// its sources changed, served on its own port), then the API in watch mode. Stops all of it on SIGINT, SIGTERM or SIGHUP,
// or when the process that launched it (npm, an IDE) is gone.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import pinoPretty from 'pino-pretty'
import { assertPortFree, killOnExit, stopAllServices, terminate } from '../local/process.js'
import { onLauncherExit } from '../local/launcher.js'
import { localConsoleConfig, signInCommand, startLocalStack, type LocalStack } from '../local/stack.js'
import { buildConsole, consoleBuildIsCurrent, startConsoleServer, type ConsoleServer } from '../local/console.js'
import { deliverShimMessage } from '../local/inbox.js'

// Dev only: the AWS SDK's notice that its 2027 releases need Node 22 would print on every start, once here and once in
// the API (it reads this variable when a client is built: @aws-sdk/core emitWarningIfUnsupportedVersion). The API
// inherits it. Production (npm start, Lambda) still prints it. Set it to anything but "true" to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dataDir = resolve(root, process.env.DEV_DATA_DIR ?? '.local')

function portFromEnv (...names: string[]): number | undefined {
  for (const name of names) {
    const value = process.env[name]
    if (value === undefined || value === '') continue
    const port = Number(value)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got "${value}"`)
    return port
  }
  return undefined
}

function printBanner (stack: LocalStack, apiPort: number, webConsole: ConsoleServer): void {
  const admin = stack.demo.users.find((u) => u.role === 'admin') ?? stack.demo.users[0]
  const lines = [
    '',
    'Local stack ready (everything on 127.0.0.1)',
    `  Cognito         ${stack.cognitoShim.endpoint}  pool ${stack.userPoolId}  client ${stack.clientId}${stack.poolCreated ? '  (new)' : '  (reused)'}`,
    '                  (the shim in front of cognito-local: sign-in, admin API, refusals as in AWS; every client uses it)',
    `  Managed login   ${stack.managedLogin.origin}  (local, OIDC providers only: SSO sign-in, docs/sso.md)`,
    `  cognito-local   ${stack.cognito.endpoint}  (behind the shim; the token issuer ${stack.issuer})`,
    `  DynamoDB Local  ${stack.dynamo.endpoint}  table ${stack.tableName}   (data in .local/dynamodb)`,
    ...(stack.dynamo.loopbackOnly
      ? []
      : [`  WARNING: this Java has no compiler module, so DynamoDB Local listens on every interface: the dev data is reachable from the network on port ${stack.dynamo.port}. Install a JDK (e.g. openjdk-17-jdk-headless) to keep it on 127.0.0.1.`]),
    '  logs            .local/dynamodb.log, .local/cognito.log',
    '',
    `Demo users (local only), tenant "${stack.demo.tenant.tenantId}":`,
    ...stack.demo.users.map((u) => `  ${u.role.padEnd(9)} ${u.email.padEnd(26)} ${u.password.padEnd(24)} groups ${u.groups.join(',')}`),
    ''
  ]
  if (admin !== undefined) {
    lines.push(
      `Get an access token (${admin.email}) and call the API:`,
      `  ${signInCommand(stack, admin)}`,
      `  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${apiPort}/me`,
      '',
      `Console  ${webConsole.url}  (sign in as ${admin.email} / ${admin.password})`,
      `Inbox    ${webConsole.inboxUrl ?? ''}  (what Cognito and the API would email: temporary passwords, invitation notices)`,
      ''
    )
  }
  lines.push('Ctrl-C (or SIGTERM, SIGHUP, or the end of the process that started it) stops everything.', '')
  console.log(lines.join('\n'))
}

/** Set by the first SIGINT/SIGTERM (or the API exiting); from then on only the shutdown path may exit. */
let interrupted = false
let stopRequestedAt = 0

async function main (): Promise<void> {
  // Installed before anything starts: a stop during the ~10 s startup must still stop what is already running.
  // Filled in once the API runs; the handlers installed before that read it when they fire.
  const running: { shutdown?: (code: number) => Promise<void> } = {}
  const stop = (why: string, code: number, { again = 'exit' }: { again?: 'exit' | 'ignore' } = {}): void => {
    if (interrupted) {
      // A second Ctrl-C: stop waiting (the exit hook SIGKILLs the services). Not the same Ctrl-C arriving twice (from
      // the terminal, and passed on by npm), nor the launcher going away meanwhile: no reason to cut the stop short.
      if (again === 'exit' && Date.now() - stopRequestedAt > 1000) process.exit(code)
      return
    }
    interrupted = true
    stopRequestedAt = Date.now()
    console.log(`\n${why}: stopping ${running.shutdown === undefined ? 'the local services' : 'the API and the local services'}`)
    if (running.shutdown !== undefined) {
      void running.shutdown(0)
    } else {
      void stopAllServices().then(() => process.exit(code))
    }
  }
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.on(signal, () => stop(signal, code))
  onLauncherExit(() => stop('The process that started npm run dev is gone', 143, { again: 'ignore' }))
  // A closed terminal or pipe must not crash the shutdown half-way: output is best effort from then on.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})

  if (process.env.RESET === '1' || process.argv.includes('--reset')) {
    rmSync(dataDir, { recursive: true, force: true })
    console.log(`Removed ${dataDir} (RESET): starting with empty data`)
  }
  const apiPort = portFromEnv('DEV_API_PORT', 'PORT') ?? 3000
  const consolePort = portFromEnv('DEV_CONSOLE_PORT') ?? 3001
  const dynamoPort = portFromEnv('DEV_DYNAMODB_PORT') ?? 8000
  const cognitoPort = portFromEnv('DEV_COGNITO_PORT') ?? 9229
  const cognitoShimPort = portFromEnv('DEV_COGNITO_SHIM_PORT') ?? 9230
  const managedLoginPort = portFromEnv('DEV_MANAGED_LOGIN_PORT') ?? 9231
  // Every port checked up front: a leftover DynamoDB Local otherwise fails with a Java stack trace, and a taken API
  // port would only show after the banner.
  for (const [port, what, variable] of [
    [apiPort, 'the API', 'DEV_API_PORT'],
    [consolePort, 'the console', 'DEV_CONSOLE_PORT'],
    [dynamoPort, 'DynamoDB Local', 'DEV_DYNAMODB_PORT'],
    [cognitoPort, 'cognito-local', 'DEV_COGNITO_PORT'],
    [cognitoShimPort, 'the Cognito shim', 'DEV_COGNITO_SHIM_PORT'],
    [managedLoginPort, 'the local managed login', 'DEV_MANAGED_LOGIN_PORT']
  ] as const) {
    await assertPortFree(port, what, `stop what listens there or set ${variable}`)
  }
  const inboxFile = join(dataDir, 'inbox.jsonl')
  const started = Date.now()
  // Built while the emulators start (a fresh clone has no web/dist; `npm ci` then `npm run dev` must still show it).
  const consoleBuilt = consoleBuildIsCurrent() ? Promise.resolve(false) : buildConsole().then(() => true)
  consoleBuilt.catch(() => {}) // awaited below
  const stack = await startLocalStack({
    dataDir,
    dynamoPort,
    cognitoPort,
    cognitoShimPort,
    managedLoginPort,
    apiPort,
    // Cognito would email these; locally they land in the inbox (/inbox on the console's port) and the terminal.
    onMessage: (m) => { console.log(deliverShimMessage(inboxFile, m)) }
  })
  if (interrupted) return // the stop handler is already stopping the services
  let consoleServer: ConsoleServer
  try {
    if (await consoleBuilt) console.log('(console built into web/dist)')
    consoleServer = await startConsoleServer({
      port: consolePort,
      // SSO addresses sign in through the local managed login; every other address with its password.
      config: localConsoleConfig(stack, `http://127.0.0.1:${apiPort}`, { consoleUrl: `http://127.0.0.1:${consolePort}/console/` }),
      inboxFile
    })
  } catch (err) {
    await stack.stop()
    throw err
  }
  console.log(`(services up in ${((Date.now() - started) / 1000).toFixed(1)} s)`)

  // The console is another origin than the API (as in production): the API must allow it, by either name of the host.
  const consoleOrigins = [consoleServer.origin, `http://localhost:${consoleServer.port}`]
  const corsOrigins = [...(process.env.CORS_ORIGINS ?? '').split(',').map(o => o.trim()).filter(o => o !== ''), ...consoleOrigins].join(',')
  // The API's notices go to the same inbox, and link to this console's invitations page.
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, CORS_ORIGINS: corsOrigins, CONSOLE_URL: consoleServer.url, MAIL_INBOX_FILE: inboxFile }
  // A real profile or session token next to the dummy keys would only confuse the SDK's credential chain.
  delete env.AWS_PROFILE
  delete env.AWS_SESSION_TOKEN
  console.log('Starting the API: tsx watch src/server.ts')
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
  const api: ChildProcess = spawn(process.execPath, [tsxCli, 'watch', 'src/server.ts'], { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] })
  killOnExit(api)
  // The API writes JSON lines, as in production; a person reads them here, so they are prettified (other lines, such as
  // tsx's, pass through). DEV_LOG_FORMAT=json keeps them raw.
  if (process.env.DEV_LOG_FORMAT === 'json') api.stdout?.pipe(process.stdout)
  else api.stdout?.pipe(pinoPretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }))

  let shuttingDown: Promise<void> | undefined
  running.shutdown = async (code: number): Promise<void> => {
    shuttingDown ??= (async () => {
      await terminate(api, 5000)
      await consoleServer.close()
      await stack.stop()
      console.log('Local stack stopped')
      process.exit(code)
    })()
    await shuttingDown
  }
  api.once('exit', (code, signal) => {
    if (interrupted) return
    interrupted = true
    console.error(`The API process exited (${signal ?? `code ${code ?? '?'}`}); stopping the local services`)
    void running.shutdown?.(code ?? 1)
  })

  // "Ready" only once the API answers: tsx watch keeps running (waiting for a change) when the server fails to start.
  if (!await apiAnswers(apiPort, 60_000, () => interrupted)) {
    if (interrupted) return
    interrupted = true
    console.error(`The API did not answer on http://127.0.0.1:${apiPort}/health within 60 s (see its output above); stopping the local services`)
    await running.shutdown(1)
    return
  }
  printBanner(stack, apiPort, consoleServer)
}

async function apiAnswers (port: number, timeoutMs: number, cancelled: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !cancelled()) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })
      await res.body?.cancel()
      if (res.ok) return true
    } catch { /* not listening yet */ }
    await sleep(200)
  }
  return false
}

main().catch((err: unknown) => {
  // Startup failing because a Ctrl-C stopped the services underneath it is not an error worth printing.
  if (interrupted) return
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
