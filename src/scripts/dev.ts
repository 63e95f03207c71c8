// `npm run dev`: the local stack (DynamoDB Local, cognito-local, table, pool, demo data), the web console (built when
// its sources changed, served on its own port), then the API in watch mode.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertPortFree, stopAllServices, terminate } from '../local/process.js'
import { localConsoleConfig, signInCommand, startLocalStack, type LocalStack } from '../local/stack.js'
import { buildConsole, consoleBuildIsCurrent, startConsoleServer, type ConsoleServer } from '../local/console.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dataDir = join(root, '.local')

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
      ''
    )
  }
  lines.push('Starting the API: tsx watch src/server.ts  (Ctrl-C stops everything)', '')
  console.log(lines.join('\n'))
}

/** Set by the first SIGINT/SIGTERM (or the API exiting); from then on only the shutdown path may exit. */
let interrupted = false

async function main (): Promise<void> {
  // Installed before anything starts: a Ctrl-C during the ~10 s startup must still stop what is already running.
  // Filled in once the API runs; the signal handlers installed before that read it when they fire.
  const running: { shutdown?: (code: number) => Promise<void> } = {}
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130) // a second Ctrl-C: stop waiting (the exit hook SIGKILLs the services)
      interrupted = true
      console.log(`\n${signal}: stopping ${running.shutdown === undefined ? 'the local services' : 'the API and the local services'}`)
      if (running.shutdown !== undefined) {
        void running.shutdown(0)
      } else {
        void stopAllServices().then(() => process.exit(130))
      }
    })
  }

  if (process.env.RESET === '1' || process.argv.includes('--reset')) {
    rmSync(dataDir, { recursive: true, force: true })
    console.log('Removed .local (RESET): starting with empty data')
  }
  const apiPort = portFromEnv('DEV_API_PORT', 'PORT') ?? 3000
  const dynamoPort = portFromEnv('DEV_DYNAMODB_PORT') ?? 8000
  const cognitoPort = portFromEnv('DEV_COGNITO_PORT') ?? 9229
  const cognitoShimPort = portFromEnv('DEV_COGNITO_SHIM_PORT') ?? 9230
  const consolePort = portFromEnv('DEV_CONSOLE_PORT') ?? 3001
  // Checked up front: a leftover DynamoDB Local otherwise fails with a Java stack trace.
  await assertPortFree(dynamoPort, 'DynamoDB Local', 'stop what listens there or set DEV_DYNAMODB_PORT')
  await assertPortFree(cognitoPort, 'cognito-local', 'stop what listens there or set DEV_COGNITO_PORT')
  await assertPortFree(cognitoShimPort, 'the Cognito shim', 'stop what listens there or set DEV_COGNITO_SHIM_PORT')
  await assertPortFree(consolePort, 'the console', 'stop what listens there or set DEV_CONSOLE_PORT')
  const started = Date.now()
  // Built while the emulators start (a fresh clone has no web/dist; `npm ci` then `npm run dev` must still show it).
  const consoleBuilt = consoleBuildIsCurrent() ? Promise.resolve(false) : buildConsole().then(() => true)
  consoleBuilt.catch(() => {}) // awaited below
  const stack = await startLocalStack({
    dataDir,
    dynamoPort,
    cognitoPort,
    cognitoShimPort,
    apiPort,
    // Cognito would email these; locally they land in the terminal (an invitation's is also in .local/cognito.log).
    onMessage: (m) => { console.log(`[cognito] ${m.reason === 'resend' ? 'invitation resent to' : 'invitation to'} ${m.email ?? m.username}: temporary password ${m.temporaryPassword}`) }
  })
  if (interrupted) return // the signal handler is already stopping the services
  let consoleServer: ConsoleServer
  try {
    if (await consoleBuilt) console.log('(console built into web/dist)')
    consoleServer = await startConsoleServer({
      port: consolePort,
      config: localConsoleConfig(stack, `http://127.0.0.1:${apiPort}`)
    })
  } catch (err) {
    await stack.stop()
    throw err
  }
  console.log(`(services up in ${((Date.now() - started) / 1000).toFixed(1)} s)`)
  printBanner(stack, apiPort, consoleServer)

  // The console is another origin than the API (as in production): the API must allow it, by either name of the host.
  const consoleOrigins = [consoleServer.origin, `http://localhost:${consoleServer.port}`]
  const corsOrigins = [...(process.env.CORS_ORIGINS ?? '').split(',').map(o => o.trim()).filter(o => o !== ''), ...consoleOrigins].join(',')
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, CORS_ORIGINS: corsOrigins }
  // A real profile or session token next to the dummy keys would only confuse the SDK's credential chain.
  delete env.AWS_PROFILE
  delete env.AWS_SESSION_TOKEN
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
  const api: ChildProcess = spawn(process.execPath, [tsxCli, 'watch', 'src/server.ts'], { cwd: root, env, stdio: 'inherit' })

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
}

main().catch((err: unknown) => {
  // Startup failing because a Ctrl-C stopped the services underneath it is not an error worth printing.
  if (interrupted) return
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
