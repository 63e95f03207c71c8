// Benchmark building blocks: the Scenario contract, servers in child processes, and one autocannon run per side.
import autocannon from 'autocannon'
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { callgrindLaunch, type Counter } from './callgrind.js'

/** One side of a comparison: where to send load, and how each request is built. */
export interface LoadTarget {
  label: string
  /** The full URL on each process of the side's server (RunningServer.urls), e.g. http://127.0.0.1:1234/me; round r loads urls[r % n]. */
  urls: string[]
  headers?: Record<string, string>
  /** Per-request headers (rotating tokens, ids). Give the baseline the same function so both sides pay the same client cost. */
  nextHeaders?: () => Record<string, string>
}

export interface ScenarioRun {
  baseline: LoadTarget
  subject: LoadTarget
  /** Stops what setup() started for this scenario only (shared resources go through onBenchEnd). */
  close?: () => Promise<void>
}

/**
 * A benchmark scenario: a baseline and a subject measured back to back under the same load, compared as
 * subject/baseline throughput. Add one by exporting it from a module (bench/orders.ts, ...) and listing it in bench/run.ts.
 */
export interface Scenario {
  name: string
  description: string
  /** Ratio subject/baseline the scenario should reach; printed as met or missed, never asserted. */
  target?: number
  /** Overrides BENCH_CONNECTIONS for this scenario (a baseline bound by a slow backend only queues with more). */
  connections?: number
  setup: () => Promise<ScenarioRun>
}

const endHooks: Array<() => Promise<void>> = []
/** Registers cleanup for resources shared by several scenarios (servers, mock endpoints); run.ts calls them at the end. */
export function onBenchEnd (fn: () => Promise<void>) { endHooks.push(fn) }
export async function runBenchEndHooks () { for (const fn of endHooks.reverse()) await fn().catch(() => {}) }

/** Makes a resource the first time a scenario asks for it, so a selection (`npm run bench -- auth`) starts only what it uses. */
export function once<T> (make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined
  return () => (made ??= make())
}

const tokenVerifiers = new Map<string, RunningServer>()
let jwksIssuer: { requests: number } | undefined
/** Names a server that verifies tokens, so the run's summary reports its JWKS fetches (the target: 1 per process). */
export function reportJwksOf (name: string, server: RunningServer) { tokenVerifiers.set(name, server) }
/** The issuer those servers fetch from: its count is taken outside the servers, so it checks what they report. */
export function reportJwksIssuer (issuer: { requests: number }) { jwksIssuer = issuer }
/**
 * The run's one JWKS line: each token-verifying server's fetches for the whole run, one count per process, and the
 * issuer's total beside their sum. Undefined when no scenario started such a server.
 */
export async function jwksSummary (): Promise<string | undefined> {
  if (tokenVerifiers.size === 0) return undefined
  const servers = await Promise.all([...tokenVerifiers].map(async ([name, server]) => ({ name, fetches: await server.jwksFetches() })))
  const counted = servers.flatMap(s => s.fetches).reduce((a, b) => a + b, 0)
  const received = jwksIssuer?.requests
  const check = received === undefined ? '' : `; the issuer received ${received}${received === counted ? ', as many in all' : `, not the ${counted} the servers counted`}`
  return `JWKS requests during the whole run, per server process: ${servers.map(s => `${s.name} ${s.fetches.join('/')}`).join(', ')}${check}`
}

/**
 * Server processes per side. Two processes of the same code measured up to 0.2 of bare apart here, each steady for its
 * whole life (the JIT's choices differ per process, but perf profiles of a fast and a slow one had the same shape:
 * the cause is not settled), so one process is one draw.
 * Rounds rotate over the processes and the ratio averages them; its interval rests on the number of process pairs
 * (compare), so four by default.
 */
export const PROCESSES = Math.max(1, Math.trunc(Number(process.env.BENCH_PROCESSES ?? 4)) || 1)

export interface RunningServer {
  /** One base URL per process, e.g. http://127.0.0.1:1234. */
  urls: string[]
  /** The first process's URL, for one-off requests (seeding, probes). */
  url: string
  /** JWKS fetches each process has started (0 for a server without the auth plugin). */
  jwksFetches: () => Promise<number[]>
  /** Each process's CPU time so far (user + system), in µs. */
  cpuMicros: () => Promise<number[]>
  close: () => Promise<void>
}

const THREADPOOL_PRELOAD = fileURLToPath(new URL('../src/threadpool.cts', import.meta.url))

/**
 * BENCH_INSTRUCTIONS=1 (npm run bench:instructions): every server process runs under valgrind's callgrind, and each
 * side is measured by instructions per request (countInstructions) instead of throughput. See bench/callgrind.ts.
 */
export const INSTRUCTIONS = ['1', 'true'].includes(process.env.BENCH_INSTRUCTIONS ?? '')

interface ServerProcess { url: string, jwksFetches: () => Promise<number>, cpuMicros: () => Promise<number>, close: () => Promise<void> }

/**
 * Asks a server child (bench/serve.ts) for a number; a child that died, or dies before answering, fails the question.
 * Answers name their question, so two questions in flight to one child never take each other's answer.
 */
function askProcess (child: ChildProcess, question: string, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (!child.connected) return reject(new Error(`server ${name} is not running`))
    const done = (err: Error | null, n?: number) => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (err) reject(err); else resolve(n as number)
    }
    const onMessage = (m: { question?: string, answer?: number }) => { if (m?.question === question && typeof m.answer === 'number') done(null, m.answer) }
    const onExit = () => done(new Error(`server ${name} exited before answering`))
    const timer = setTimeout(() => done(new Error(`server ${name} did not answer`)), 5000)
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.send(question, err => { if (err) done(err) })
  })
}

/** The CPU time of the server process behind each base URL, for load(): µs of user + system time so far. */
const cpuReaders = new Map<string, () => Promise<number>>()
/** The instruction counter of each server process started under callgrind, by base URL, for countInstructions(). */
const instructionCounters = new Map<string, Counter>()

/**
 * Starts a server module in its own process, so the load generator (this process) never shares a core's event loop
 * with it. The module's default export builds a Fastify instance (not listening); bench/serve.ts listens on a free port.
 */
async function startProcess (moduleUrl: URL, env: Record<string, string>): Promise<ServerProcess> {
  const callgrind = INSTRUCTIONS ? callgrindLaunch() : undefined
  const child: ChildProcess = fork(fileURLToPath(new URL('./serve.ts', import.meta.url)), [fileURLToPath(moduleUrl)], {
    // Under callgrind a server runs some 50 times slower, and eight of them start at once: the first JWKS fetch gets
    // the longest timeout the config allows, or it times out and the preflight meets a 503.
    env: { ...process.env, ...env, ...(callgrind ? { JWKS_TIMEOUT_MS: '10000' } : {}) },
    // BENCH_CPU_PROF=<dir>: every server child writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
    // The threadpool preload that `npm start` and the container use (src/threadpool.cts), so the servers run as deployed.
    execArgv: [...callgrind?.execArgv ?? [], '--require', THREADPOOL_PRELOAD, '--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    ...(callgrind ? { execPath: callgrind.execPath } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  if (callgrind) child.once('exit', () => callgrind.cleanup())
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number, error?: string }) => m.port ? resolve(m.port) : reject(new Error(m.error)))
    child.once('exit', code => reject(new Error(`server ${moduleUrl.pathname} exited with ${code}`)))
  })
  const url = `http://127.0.0.1:${port}`
  const cpuMicros = () => askProcess(child, 'cpu', moduleUrl.pathname)
  cpuReaders.set(url, cpuMicros)
  if (callgrind) instructionCounters.set(url, callgrind.counter(child.pid!))
  return {
    url,
    jwksFetches: () => askProcess(child, 'jwks-fetches', moduleUrl.pathname),
    cpuMicros,
    close: async () => {
      cpuReaders.delete(url)
      instructionCounters.delete(url)
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}

/** Starts everything at once; if any start fails, the ones that started are closed before the first error is thrown. */
async function allOrNone<T extends { close: () => Promise<void> }> (starts: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(starts)
  const started = results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await Promise.all(started.map(s => s.close()))
    throw failed.reason
  }
  return started
}

/** Starts `processes` copies of a server module (default PROCESSES); if one fails to start, the others are stopped. */
export async function startServer (moduleUrl: URL, env: Record<string, string> = {}, processes = PROCESSES): Promise<RunningServer> {
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`startServer: processes must be a positive integer, got ${processes}`)
  const running = await allOrNone(Array.from({ length: processes }, () => startProcess(moduleUrl, env)))
  return {
    urls: running.map(p => p.url),
    url: running[0]!.url,
    jwksFetches: () => Promise.all(running.map(p => p.jwksFetches())),
    cpuMicros: () => Promise.all(running.map(p => p.cpuMicros())),
    close: async () => { await Promise.all(running.map(p => p.close())) }
  }
}

/** Starts bench/servers/<name>.ts for the rest of the run (runBenchEndHooks stops it). */
export async function serve (name: string, env?: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(new URL(`./servers/${name}.ts`, import.meta.url), env)
  onBenchEnd(() => server.close())
  return server
}

/** Starts servers side by side; if any fails to start, the others are stopped before the error is thrown. */
export async function startServers (...specs: Array<[URL, Record<string, string>?, number?]>): Promise<RunningServer[]> {
  return allOrNone(specs.map(([url, env, processes]) => startServer(url, env, processes)))
}

export interface LoadResult {
  rps: number
  p99: number
  errors: number
  non2xx: number
  total: number
  /** The server process's CPU time per request during the run, in µs; only for servers started here (startServer). */
  cpuPerRequest?: number
}

/** One autocannon run against one process of the target: urls[round % n]. */
export async function load (target: LoadTarget, opts: { connections: number, duration: number, round: number }): Promise<LoadResult> {
  const u = new URL(target.urls[opts.round % target.urls.length]!)
  const next = target.nextHeaders
  const cpu = cpuReaders.get(u.origin)
  const cpuBefore = await cpu?.()
  const result = await autocannon({
    url: u.origin,
    connections: opts.connections,
    duration: opts.duration,
    headers: target.headers,
    requests: [{
      method: 'GET',
      path: u.pathname + u.search,
      ...(next ? { setupRequest: req => ({ ...req, headers: { ...req.headers, ...next() } }) } : {})
    }]
  })
  const cpuAfter = await cpu?.()
  const total = result.requests.total
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && total > 0 ? { cpuPerRequest: (cpuAfter - cpuBefore) / total } : {})
  }
}

/**
 * Instructions per request (all the process's threads) of one process of the target (urls[round % n]), which must run under callgrind
 * (BENCH_INSTRUCTIONS): `warmup` requests, then the count is zeroed, `requests` more, then it is read. The load stops
 * at both boundaries until every answer is in, so the count holds exactly those requests: counting at the client
 * while the load runs on made the window as uncertain as the control command's latency, which varied with how many
 * valgrind processes were running. Warm-up and count share their keep-alive connections (`connections` of them):
 * opening and closing connections deoptimizes some of Node's stream code, and the recompiles that follow (measured
 * here: half a server's instructions per request for the next 5,000 requests) would otherwise count as the request's.
 */
export async function countInstructions (
  target: LoadTarget,
  opts: { connections: number, round: number, warmup: number, requests: number },
  /** Where each server's counter is found: the processes started under callgrind, unless a test gives its own. */
  counterOf: (origin: string) => Counter | undefined = origin => instructionCounters.get(origin)
): Promise<number> {
  const u = new URL(target.urls[opts.round % target.urls.length]!)
  const counter = counterOf(u.origin)
  if (!counter) throw new Error(`${target.label}: ${u.origin} was not started under callgrind (BENCH_INSTRUCTIONS=1)`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections })
  const get = () => new Promise<void>((resolve, reject) => {
    const req = http.get(u, { agent, headers: { ...target.headers, ...target.nextHeaders?.() } }, res => {
      res.resume()
      res.on('end', () => res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode <= 299
        ? resolve()
        : reject(new Error(`${target.label}: GET ${u.href} answered ${res.statusCode} during the count`)))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  /**
   * `n` requests over the connections, each sending its next once its last is answered. In the warm-up a request
   * whose connection the server closed is sent again: on a loaded host a cold app under callgrind can take longer
   * than its own 10 s connection timeout (see probeGet). The counted batch never retries: its count must hold
   * exactly `n` answered requests.
   */
  const batch = async (n: number, retries: number) => {
    let sent = 0
    const one = async (left: number): Promise<void> => {
      try {
        await get()
      } catch (err) {
        if (left <= 0 || (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err
        await one(left - 1)
      }
    }
    await Promise.all(Array.from({ length: opts.connections }, async () => { while (sent < n) { sent++; await one(retries) } }))
  }
  try {
    await batch(opts.warmup, 3)
    await counter.zero()
    await batch(opts.requests, 0)
    return await counter.dump() / opts.requests
  } finally {
    agent.destroy()
  }
}

/** A 1 s slice must beat the best one so far by more than this to count as still warming up. */
const WARM_GAIN = 0.05
/** Never less: on this machine a 1 s slice can dip by more than a JIT tier gains, and end the warm-up too soon. */
const WARM_MIN_SECONDS = 5

/**
 * Loads one process of the target in 1 s slices until its throughput stops rising (at least WARM_MIN_SECONDS, then
 * until two slices in a row are no more than 5% above the best so far), at most `maxSeconds`; returns the seconds spent. A
 * process's first seconds run code V8 has not optimized yet, and the more code a server runs per request the longer
 * that lasts: measured here, bare Fastify was steady after about 2 s of load and the whole app only after 6 or more, so
 * the fixed 1 s warm-up this replaces compared a warm baseline with a subject still warming up.
 */
export async function warmUp (target: LoadTarget, opts: { connections: number, round: number, maxSeconds: number }): Promise<number> {
  let best = 0
  let flat = 0
  for (let s = 1; s <= opts.maxSeconds; s++) {
    const { rps } = await load(target, { connections: opts.connections, duration: 1, round: opts.round })
    if (rps > best * (1 + WARM_GAIN)) {
      best = rps
      flat = 0
    } else if (++flat >= 2 && s >= WARM_MIN_SECONDS) {
      return s
    }
  }
  return opts.maxSeconds
}

/**
 * A GET that, under callgrind, tries twice more when the connection fails: there a cold app takes longer over its
 * first request than its own 10 s connection timeout (src/app.ts), which closes the socket unanswered. Once warm it
 * answers in time; the throughput runs never retry.
 */
async function probeGet (url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers })
    } catch (err) {
      if (!INSTRUCTIONS || attempt >= 3) throw err
    }
  }
}

/** One request to every process of the target; throws on a non-2xx, and returns the first process's body. */
async function probe (target: LoadTarget): Promise<string> {
  const bodies = await Promise.all(target.urls.map(async url => {
    const res = await probeGet(url, { ...target.headers, ...target.nextHeaders?.() })
    const body = await res.text()
    if (res.status < 200 || res.status > 299) throw new Error(`${target.label}: GET ${url} answered ${res.status} ${body.slice(0, 300)}`)
    return body
  }))
  return bodies[0]!
}

/**
 * One request to each side before any load: throws on a non-2xx (with its body), and returns a note when the two
 * sides answer different bodies (then they are not doing the same work, and the ratio should be read with that in mind).
 */
export async function preflight (baseline: LoadTarget, subject: LoadTarget): Promise<string | undefined> {
  const [a, b] = [await probe(baseline), await probe(subject)]
  if (a !== b) return `the bodies differ: baseline ${a.slice(0, 200)} / subject ${b.slice(0, 200)}`
  return undefined
}

/** Two-sided 95% quantiles of Student's t for 1–30 degrees of freedom; beyond, the normal's 1.96. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042]

export interface Comparison {
  /** subject/baseline: the geometric mean of the rounds' ratios (of each process pair's, when rounds are grouped). */
  ratio: number
  /** Its 95% interval, from the spread between rounds, or between process pairs when rounds are grouped. */
  low: number
  high: number
  /** Each round's subject/baseline, the two measured back to back. */
  rounds: number[]
  /** met: the whole interval is at or above the target; missed: all of it below; undecided: the run's noise spans it. */
  verdict?: 'met' | 'missed' | 'undecided'
}

/**
 * Compares the two sides round by round. Each round's subject ran right after its baseline, so the host's slow and
 * fast phases (bare alone moved 2× within minutes here) mostly cancel within a round's ratio and show up as spread
 * between rounds. The ratio is the mean of the rounds' log ratios, with a t interval from their spread; a target is
 * called met or missed only when the whole interval is on one side of it. A run too noisy to tell says so, rather
 * than reading luck as a result. A round with no throughput on a side (the run failed) leaves nothing to decide on.
 *
 * `groups[i]` names round i's process pair. A process stays fast or slow for its whole life (see PROCESSES), so its
 * rounds are not independent draws: with groups, each pair's rounds are averaged first and the interval comes from
 * the spread between pairs, whose number is what the interval's width honestly rests on.
 */
export function compare (baseline: number[], subject: number[], target?: number, groups?: number[]): Comparison {
  if (baseline.length === 0 || baseline.length !== subject.length) throw new Error(`compare: ${baseline.length} baseline rounds and ${subject.length} subject rounds`)
  if (groups !== undefined && groups.length !== baseline.length) throw new Error(`compare: ${groups.length} groups for ${baseline.length} rounds`)
  const rounds = subject.map((s, i) => s / baseline[i]!)
  const judge = (low: number, high: number) => target === undefined ? undefined : low >= target ? 'met' as const : high < target ? 'missed' as const : 'undecided' as const
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const mean = (xs: number[]) => sum(xs) / xs.length
  if (rounds.some(r => !(r > 0 && Number.isFinite(r)))) {
    return { ratio: sum(subject) / sum(baseline), low: 0, high: Infinity, rounds, verdict: judge(0, Infinity) }
  }
  const byGroup = new Map<number, number[]>()
  rounds.forEach((r, i) => {
    const g = groups?.[i] ?? i
    byGroup.set(g, [...(byGroup.get(g) ?? []), Math.log(r)])
  })
  const units = [...byGroup.values()].map(mean)
  const n = units.length
  const m = mean(units)
  const half = n < 2 ? Infinity : (T95[n - 2] ?? 1.96) * Math.sqrt(sum(units.map(x => (x - m) ** 2)) / (n - 1) / n)
  const [low, high] = [Math.exp(m - half), Math.exp(m + half)]
  return { ratio: Math.exp(m), low, high, rounds, verdict: judge(low, high) }
}
