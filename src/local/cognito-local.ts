// Starts cognito-local (a Cognito user-pool emulator) as a child process, for dev and tests.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { spawnService, startWithPortRetry, waitUntilReady } from './process.js'

export interface CognitoLocalOptions {
  /** Defaults to a free port. */
  port?: number
  /** Working directory kept between runs (cognito-local stores its data in <dataDir>/.cognito); default a temp dir, removed on stop. */
  dataDir?: string
  /** Also append the service's output to this file. */
  logFile?: string
  /** How long to wait for it to answer HTTP; default 30 s. */
  timeoutMs?: number
}

export interface CognitoLocal {
  /** http://127.0.0.1:<port>: the host matches the token issuer, which cognito-local builds from HOST. */
  endpoint: string
  port: number
  pid: number
  stop: () => Promise<void>
}

/** Issuer of the tokens cognito-local signs for a pool (and the base of its JWKS URL). */
export function cognitoLocalIssuer (endpoint: string, userPoolId: string): string {
  return `${endpoint}/${userPoolId}`
}

function startScript (): string {
  return createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js')
}

async function answersHttp (endpoint: string): Promise<boolean> {
  // Any HTTP response means the server is listening; it answers a bare GET with an error document.
  const res = await fetch(endpoint, { signal: AbortSignal.timeout(2000) })
  await res.body?.cancel()
  return true
}

/** Starts cognito-local and resolves once it answers HTTP. */
export async function startCognitoLocal (options: CognitoLocalOptions = {}): Promise<CognitoLocal> {
  return await startWithPortRetry(options.port, async (port) => await launch(port, options))
}

async function launch (port: number, options: CognitoLocalOptions): Promise<CognitoLocal> {
  const temp = options.dataDir === undefined
  const cwd = temp ? mkdtempSync(join(tmpdir(), 'cognito-local-')) : resolve(options.dataDir as string)
  if (!temp) mkdirSync(cwd, { recursive: true })
  // HOST is both the address it listens on and the issuer's host: loopback only, never every interface.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1' }
  // NODE_OPTIONS may carry our own loaders (tsx, tap's process tracking); the emulator needs none of them.
  delete env.NODE_OPTIONS
  delete env.DEBUG
  const proc = spawnService(process.execPath, [startScript()], { cwd, env, logFile: options.logFile })
  const endpoint = `http://127.0.0.1:${port}`

  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= (async () => {
      await proc.stop()
      if (temp) rmSync(cwd, { recursive: true, force: true })
    })()
    await stopped
  }

  try {
    await waitUntilReady(`cognito-local on port ${port}`, proc, async () => await answersHttp(endpoint), options.timeoutMs ?? 30_000)
  } catch (err) {
    await stop()
    throw err
  }
  return { endpoint, port, pid: proc.pid, stop }
}
