// Child-process plumbing for the local service launchers: free ports, readiness polling, idempotent stops.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A port nobody listens on right now (the OS picks it); racy by nature, so callers retry on EADDRINUSE. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { port > 0 ? resolve(port) : reject(new Error('Could not get a free port')) })
    })
  })
}

/** Throws a one-line error when something already listens on the port, before a service fails less clearly. */
export async function assertPortFree (port: number, what: string, hint: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use, so ${what} cannot start there: ${hint}`) : err)
    })
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()))
  })
}

// Children still running when this process exits are killed, so a crash or process.exit() leaves no orphans.
// Deliberately no signal handlers here: they would change how the host process reacts to signals (and defeat
// signal-exit's re-raise in tap). Dying of an unhandled signal or SIGKILL therefore leaves the services running.
const running = new Set<ChildProcess>()
let exitHookInstalled = false
/** Kills `child` (SIGKILL) if it still runs when this process exits, however it exits short of SIGKILL. */
export function killOnExit (child: ChildProcess): void {
  trackChild(child)
}
function trackChild (child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', killAll)
}

function killAll (): void {
  for (const c of running) killGroup(c, 'SIGKILL')
}

/** SIGTERM to every service this process started, then waits for them; for a shutdown before handles exist. */
export async function stopAllServices (graceMs = 5000): Promise<void> {
  await Promise.all([...running].map(async (child) => { await terminate(child, graceMs) }))
}

// Children spawned in their own process group (spawnService): signals go to the whole group.
const groupLeaders = new WeakSet<ChildProcess>()

/**
 * SIGTERM, then SIGKILL if the child is still running after graceMs; resolves once it has exited (at once if it
 * already had). A child started by spawnService is signalled with its whole process group, any other child alone.
 */
export async function terminate (child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  signal(child, 'SIGTERM')
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

function signal (child: ChildProcess, name: NodeJS.Signals): void {
  if (groupLeaders.has(child)) killGroup(child, name)
  else child.kill(name)
}

function killGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    // Services run detached (own process group), so the negative pid reaches anything they started too.
    process.kill(-child.pid, signal)
  } catch {
    try { child.kill(signal) } catch { /* already gone */ }
  }
}

export interface ServiceProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves when the process has exited, whatever the reason. */
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  hasExited: () => boolean
  /** The last few KB of stdout and stderr, for error messages. */
  output: () => string
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. Idempotent. */
  stop: (graceMs?: number) => Promise<void>
}

export interface SpawnServiceOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
  /** Appends the service's stdout and stderr to this file as well. */
  logFile?: string
}

const OUTPUT_LIMIT = 16 * 1024

/**
 * Spawns a long-running service in its own process group: a Ctrl-C in the terminal then reaches only the
 * parent, which stops its children in order (API first, then the services) instead of all dying at once.
 */
export function spawnService (command: string, args: string[], options: SpawnServiceOptions): ServiceProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; swallow that event here, the caller checks the command beforehand.
    child.once('error', () => {})
  }
  groupLeaders.add(child)
  trackChild(child)

  let output = ''
  let log: WriteStream | undefined
  if (options.logFile !== undefined) log = createWriteStream(options.logFile, { flags: 'a' })
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT)
    log?.write(chunk)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode })
      return
    }
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', () => resolve({ code: null, signal: null }))
  })
  void exited.then(() => log?.end())

  let stopping: Promise<void> | undefined
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined

  return {
    child,
    pid: child.pid ?? -1,
    exited,
    hasExited,
    output: () => output,
    stop: async (graceMs = 5000) => {
      stopping ??= (async () => {
        if (!hasExited()) await terminate(child, graceMs)
        await exited
      })()
      await stopping
    }
  }
}

class ServiceStartError extends Error {
  override name = 'ServiceStartError'
  constructor (message: string, readonly output: string, readonly portInUse: boolean) {
    super(output.trim() === '' ? message : `${message}\n--- its output ---\n${output.trim()}`)
  }
}

const PORT_IN_USE = /address already in use|EADDRINUSE|BindException/i

/**
 * Runs `launch` on `port`, or on a free port when none is given. A free port can be taken between our probe
 * and the service's bind; only then (we chose the port, the service says it is in use) it tries another, up to
 * `attempts` times in all.
 */
export async function startWithPortRetry<T> (port: number | undefined, launch: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(port ?? await freePort())
    } catch (err) {
      if (port === undefined && err instanceof ServiceStartError && err.portInUse && attempt < attempts) continue
      throw err
    }
  }
}

/**
 * Polls `probe` until it returns true. Fails fast, with the process's output, if the process dies;
 * fails with the output after timeoutMs. Stops the process on failure.
 */
export async function waitUntilReady (name: string, proc: ServiceProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let died = false
  void proc.exited.then(() => { died = true })
  let lastError: unknown
  while (Date.now() < deadline) {
    if (died || proc.hasExited()) {
      const { code, signal } = await proc.exited
      const out = proc.output()
      throw new ServiceStartError(`${name} exited (code ${code ?? 'none'}, signal ${signal ?? 'none'}) before it was ready`, out, PORT_IN_USE.test(out))
    }
    try {
      if (await probe()) return
    } catch (err) {
      lastError = err
    }
    await Promise.race([sleep(100), proc.exited])
  }
  await proc.stop()
  const why = lastError instanceof Error ? ` (last probe error: ${lastError.message})` : ''
  throw new ServiceStartError(`${name} did not become ready within ${Math.round(timeoutMs / 1000)} s${why}`, proc.output(), false)
}
