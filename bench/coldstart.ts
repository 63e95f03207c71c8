// `npm run bench -- coldstart`: Lambda cold start of the API bundle against a bare Fastify Lambda bundled the same way.
//
// The API bundle is the one `npm run cdk:synth` makes (the same app, infra/lib/app.ts with cdk.json's context,
// synthesized in this process into a directory of our own so a synth elsewhere is not disturbed;
// BENCH_COLDSTART_CDK_OUT=<dir> reuses an existing cdk.out instead), run with the environment the stack sets on the API
// function. The baseline is bench/servers/bare-lambda.ts, bundled in the same synth by a NodejsFunction with the same
// infra/lib/bundling.ts settings (ESM banner, minify, source map, node22) and run with the same environment. Each round starts one fresh Node process per side, in alternating order, and each process times
// its own import of the bundle plus the first invoke of GET /health (bench/coldstart-child.mjs).
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compare } from './lib.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHILD = fileURLToPath(new URL('./coldstart-child.mjs', import.meta.url))
/** The goal: the app's cold start at most this many times bare's. */
export const COLDSTART_TARGET = 2

interface LambdaFunctionResource {
  Type: string
  Metadata?: Record<string, string>
  Properties?: { Handler?: string, Environment?: { Variables?: Record<string, unknown> } }
}
type Template = { Resources: Record<string, LambdaFunctionResource> }

/** A bundle to start, and the event its first invoke gets (bench/coldstart-child.mjs): GET /health unless a trigger's. */
export interface Bundle { label: string, file: string, env: Record<string, string>, event?: Trigger }

/**
 * Values for the variables the stack sets from other resources (the stateful stack's exports, the web client, the
 * console's distribution): any valid value will do, as GET /health touches neither the pool nor the table. A new
 * token-valued variable fails the bench until it has one here.
 */
const TOKEN_PLACEHOLDERS: Record<string, string> = {
  COGNITO_USER_POOL_ID: 'us-east-1_Bench1',
  COGNITO_CLIENT_IDS: 'benchclient1',
  TABLE_NAME: 'saas-app-bench',
  // The managed login domain (GET /sso-connections shows URLs on it): the shape Cognito gives it.
  COGNITO_DOMAIN: 'saas-app-bench.auth.us-east-1.amazoncognito.com',
  // The console's address, where invitation notices link to (the distribution's domain): an example of the same shape.
  CONSOLE_URL: 'https://d111111abcdef8.cloudfront.net/',
  // The console's origin is the distribution's domain (plus the configured origins): an example of the same shape.
  CORS_ORIGINS: 'https://d111111abcdef8.cloudfront.net,http://localhost:5173'
}

/** What Lambda itself puts in every function's environment, with dummy credentials: nothing may need the network. */
const lambdaRuntimeEnv = (dir: string, name: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  TZ: ':UTC',
  LANG: 'en_US.UTF-8',
  LAMBDA_TASK_ROOT: dir,
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: name,
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDCOLDSTARTBENCH',
  AWS_SECRET_ACCESS_KEY: 'coldstart-bench-secret',
  AWS_SESSION_TOKEN: 'coldstart-bench-token',
  // A test runner's coverage hooks must not reach the measured processes (test/helpers/child-env.ts).
  _TAPJS_PROCESSINFO_COVERAGE_: '0'
})

/** The function's own environment from the template: literal values as they are, imported ones from TOKEN_PLACEHOLDERS. */
export function functionEnv (variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => {
    if (typeof v === 'string') return [k, v]
    const placeholder = TOKEN_PLACEHOLDERS[k]
    if (placeholder === undefined) throw new Error(`coldstart: ${k} is not a literal in the template (${JSON.stringify(v)}); give it a value in TOKEN_PLACEHOLDERS`)
    return [k, placeholder]
  }))
}

/** A synthesized function's bundle directory, from its template by the construct path its resource ends in. */
function functionAsset (cdkOut: string, stack: string, path: RegExp): { dir: string, fn: LambdaFunctionResource } {
  const template = JSON.parse(readFileSync(join(cdkOut, `${stack}.template.json`), 'utf8')) as Template
  const fn = Object.values(template.Resources).find(r => r.Type === 'AWS::Lambda::Function' && path.test(r.Metadata?.['aws:cdk:path'] ?? ''))
  const asset = fn?.Metadata?.['aws:asset:path']
  if (!fn || !asset || !existsSync(join(cdkOut, asset, 'index.mjs'))) throw new Error(`coldstart: no function ${path} with a bundled asset in ${join(cdkOut, stack)}`)
  return { dir: join(cdkOut, asset), fn }
}

const API_STACK = 'SaasApp-dev-Api'
const STATEFUL_STACK = 'SaasApp-dev-Stateful'

/** The synthesized API function (src/lambda.ts): its bundle and its environment. */
export function apiBundle (cdkOut: string): Bundle {
  const { dir, fn } = functionAsset(cdkOut, API_STACK, /\/Api\/Handler\/Resource$/)
  return { label: 'app', file: join(dir, 'index.mjs'), env: { ...lambdaRuntimeEnv(dir, 'coldstart-app'), ...functionEnv(fn.Properties?.Environment?.Variables ?? {}) } }
}

/** The Cognito triggers (infra/lib/auth.ts, entries in infra/triggers/) by construct id. */
export const TRIGGERS = ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration'] as const
export type Trigger = typeof TRIGGERS[number]

/** A synthesized trigger: its bundle and its environment as the stateful stack sets it (TABLE_NAME, NODE_OPTIONS). */
export function triggerBundle (cdkOut: string, trigger: Trigger): Bundle {
  const { dir, fn } = functionAsset(cdkOut, STATEFUL_STACK, new RegExp(`/Auth/${trigger}/Resource$`))
  return { label: trigger, event: trigger, file: join(dir, 'index.mjs'), env: { ...lambdaRuntimeEnv(dir, `coldstart-${trigger}`), AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256', ...functionEnv(fn.Properties?.Environment?.Variables ?? {}) } }
}

const BARE_STACK = 'ColdstartBare'

/**
 * One in-process synth into outDir, as `cdk synth` runs it (infra/lib/app.ts with cdk.json's context), of the API
 * stack (unless withApi is false: a reused cdk.out has it), the stateful stack's triggers if withTriggers, and a stack of its own holding bench/servers/bare-lambda.ts
 * in a NodejsFunction with the API's bundling settings (infra/lib/bundling.ts). Only those stacks' functions are bundled
 * (aws:cdk:bundling-stacks). One synth instead of the CLI's plus one
 * for bare saves a CLI, tsx and aws-cdk-lib start and two esbuild runs (test/bench/coldstart.test.ts runs it all).
 */
export async function synthBundles (outDir: string, { withApi = true, withTriggers = false } = {}): Promise<void> {
  const [{ App, Stack }, { NodejsFunction }, { nodeFunctionProps }, { repoPath }, { addStageStacks }] = await Promise.all([
    import('aws-cdk-lib'), import('aws-cdk-lib/aws-lambda-nodejs'), import('../infra/lib/bundling.js'), import('../infra/lib/repo-path.js'), import('../infra/lib/app.js')
  ])
  const cdkContext = (JSON.parse(readFileSync(join(ROOT, 'infra', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context
  const app = new App({
    outdir: outDir,
    context: {
      ...cdkContext,
      // The CLI turns path and asset metadata on; an in-process App needs them asked for, to find the API function
      // (apiBundle) and name each asset's directory.
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:bundling-stacks': [BARE_STACK, ...(withApi ? [`SaasApp-${String(cdkContext.stage)}-Api`] : []), ...(withTriggers ? [`SaasApp-${String(cdkContext.stage)}-Stateful`] : [])],
      // The API stack also hosts the web console; its content does not touch the API bundle, so the infra tests'
      // stand-in build serves (no `npm run web:build` needed to measure a cold start).
      consoleAssetPath: join('infra', 'test', 'fixtures', 'console')
    }
  })
  if (withApi || withTriggers) addStageStacks(app)
  const bare = new Stack(app, BARE_STACK)
  new NodejsFunction(bare, 'Bare', nodeFunctionProps(repoPath('bench', 'servers', 'bare-lambda.ts'))) // eslint-disable-line no-new
  // The triggers' baselines, with the triggers' settings (infra/lib/auth.ts gives them the defaults of nodeFunctionProps).
  new NodejsFunction(bare, 'BareTrigger', nodeFunctionProps(repoPath('bench', 'servers', 'bare-trigger.ts'))) // eslint-disable-line no-new
  new NodejsFunction(bare, 'BareTriggerEcho', nodeFunctionProps(repoPath('bench', 'servers', 'bare-trigger-echo.ts'))) // eslint-disable-line no-new
  app.synth()
}

/** The baseline's bundle from synthBundles' output, run with the API function's environment. */
export function bareBundle (outDir: string, env: Record<string, string>): Bundle {
  const { dir } = functionAsset(outDir, BARE_STACK, /\/Bare\/Resource$/)
  return { label: 'bare', file: join(dir, 'index.mjs'), env: { ...env, LAMBDA_TASK_ROOT: dir, AWS_LAMBDA_FUNCTION_NAME: 'coldstart-bare' } }
}

/**
 * A trigger's baseline, run with the trigger's environment and invoked with its event: a handler making the trigger's
 * DynamoDB call (bench/servers/bare-trigger.ts: GetItem for pre token generation, TransactWriteItems for post
 * confirmation), or for pre sign-up, which makes none, one that answers its event (bare-trigger-echo.ts).
 */
export function bareTriggerBundle (outDir: string, trigger: Trigger, env: Record<string, string>): Bundle {
  const id = trigger === 'PreSignUp' ? 'BareTriggerEcho' : 'BareTrigger'
  const { dir } = functionAsset(outDir, BARE_STACK, new RegExp(`/${id}/Resource$`))
  const call: Record<string, string> = trigger === 'PreTokenGeneration' ? { BARE_TRIGGER_CALL: 'get' } : trigger === 'PostConfirmation' ? { BARE_TRIGGER_CALL: 'transact' } : {}
  return { label: `bare ${trigger}`, event: trigger, file: join(dir, 'index.mjs'), env: { ...env, ...call, LAMBDA_TASK_ROOT: dir, AWS_LAMBDA_FUNCTION_NAME: `coldstart-bare-${trigger}` } }
}

/**
 * A stand-in for DynamoDB's endpoint (AWS_ENDPOINT_URL_DYNAMODB in the triggers' environment), so a trigger's first
 * invoke makes its real calls without the network: every table is empty (GetItem finds nothing, Query returns no
 * items) and every write succeeds. Both sides of a trigger's comparison talk to it.
 */
export async function stubDynamoDb (): Promise<{ url: string, calls: Map<string, number>, close: () => Promise<void> }> {
  const calls = new Map<string, number>()
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
    calls.set(op, (calls.get(op) ?? 0) + 1)
    req.resume()
    req.on('end', () => {
      const body = op === 'Query' || op === 'Scan' ? { Items: [], Count: 0, ScannedCount: 0 } : op === 'BatchGetItem' ? { Responses: {}, UnprocessedKeys: {} } : {}
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise(resolve => server.close(() => resolve())) }
}

/** Production runs Node 22: BENCH_COLDSTART_NODE, else node@22 from the npm registry through npx, else this Node. */
export function coldstartNode (): { path: string, version: string } {
  const candidates = process.env.BENCH_COLDSTART_NODE ? [process.env.BENCH_COLDSTART_NODE] : []
  if (candidates.length === 0) {
    const found = spawnSync('npx', ['-y', '-p', 'node@22', 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 120_000 })
    const path = found.status === 0 ? found.stdout.trim().split('\n').pop() : undefined
    if (path && existsSync(path)) candidates.push(path)
  }
  const path = candidates[0] ?? process.execPath
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim()
  return { path, version }
}

export interface Coldstart { importMs: number, invokeMs: number, totalMs: number, cpuMs: number, bootMs: number }

/** One cold start: a fresh process with only the function's environment, its own timings back on stdout. */
export function coldstartOnce (node: string, bundle: Bundle): Promise<Coldstart> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [CHILD, bundle.file, ...(bundle.event ? [bundle.event] : [])], { env: bundle.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d })
    child.stderr.on('data', (d: Buffer) => { err += d })
    child.on('error', reject)
    child.on('close', code => {
      const line = out.split('\n').find(l => l.startsWith('COLDSTART '))
      if (code !== 0 || !line) return reject(new Error(`coldstart: ${bundle.label} exited ${code}:\n${err.slice(-2000)}${out.slice(-1000)}`))
      resolve(JSON.parse(line.slice('COLDSTART '.length)) as Coldstart)
    })
  })
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * `rounds` alternated fresh starts of subject and baseline; prints each side's medians and the ratio subject/baseline
 * (per round, geometric mean, 95% interval), by wall time (judged against the target for the API) and by CPU time.
 */
async function compareColdstarts (node: string, subject: Bundle, baseline: Bundle, rounds: number, name: string): Promise<void> {
  const runs = new Map<Bundle, Coldstart[]>([[baseline, []], [subject, []]])
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [baseline, subject] : [subject, baseline]
    for (const b of order) {
      const c = await coldstartOnce(node, b)
      runs.get(b)!.push(c)
      if (process.env.BENCH_VERBOSE) console.log(`    round ${r} ${b.label.padEnd(4)} import ${c.importMs.toFixed(1)} ms + invoke ${c.invokeMs.toFixed(1)} ms = ${c.totalMs.toFixed(1)} ms (CPU ${c.cpuMs.toFixed(1)} ms)`)
    }
  }
  for (const [b, xs] of runs) {
    console.log(`  ${b.label.padEnd(4)} median ${median(xs.map(x => x.totalMs)).toFixed(1)} ms (import ${median(xs.map(x => x.importMs)).toFixed(1)} + invoke ${median(xs.map(x => x.invokeMs)).toFixed(1)}; CPU ${median(xs.map(x => x.cpuMs)).toFixed(1)} ms; Node's own boot before it ${median(xs.map(x => x.bootMs)).toFixed(1)} ms, not counted)`)
  }
  const [base, subj] = [runs.get(baseline)!, runs.get(subject)!]
  // compare() treats its second argument as the subject: per round subject/baseline, averaged on the log scale, with a 95% interval.
  const c = compare(base.map(x => x.totalMs), subj.map(x => x.totalMs))
  const ofMedians = median(subj.map(x => x.totalMs)) / median(base.map(x => x.totalMs))
  const interval = (x: { low: number, high: number }) => `95% interval ${x.low.toFixed(2)}–${Number.isFinite(x.high) ? x.high.toFixed(2) : '∞'}`
  // The target is the API's; a trigger's ratio is reported, not judged.
  const verdict = name !== 'app' ? '' : `  target ≤ ${COLDSTART_TARGET}: ${c.high <= COLDSTART_TARGET ? 'met' : c.low > COLDSTART_TARGET ? 'MISSED' : 'undecided (the interval spans it)'}`
  const what = name === 'app' ? 'app/bare' : `${name}/bare`
  console.log(`  ratio ${what} ${c.ratio.toFixed(2)} (${interval(c)}; ratio of medians ${ofMedians.toFixed(2)})${verdict}`)
  // CPU time is steadier than wall time on a busy machine; printed beside it, not judged (Lambda bills wall time).
  const byCpu = compare(base.map(x => x.cpuMs), subj.map(x => x.cpuMs))
  console.log(`  by CPU time ${what} ${byCpu.ratio.toFixed(2)} (${interval(byCpu)})`)
}

/** Runs the comparisons and prints them; resolves to the exit code (0, or 1 when a side failed). */
export async function coldstart (): Promise<number> {
  const rounds = Math.max(1, Math.trunc(Number(process.env.BENCH_COLDSTART_ROUNDS ?? 15)) || 1)
  const work = mkdtempSync(join(tmpdir(), 'coldstart-'))
  try {
    const reused = process.env.BENCH_COLDSTART_CDK_OUT
    const cdkOut = reused ?? join(work, 'cdk.out')
    const bareOut = reused ? join(work, 'bare.out') : cdkOut
    await synthBundles(bareOut, { withApi: !reused, withTriggers: !reused })
    const app = apiBundle(cdkOut)
    const bare = bareBundle(bareOut, app.env)
    const node = coldstartNode()
    const size = (f: string) => { const n = readFileSync(f).length; return n >= 1e5 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} KB` }
    console.log(`coldstart: ${rounds} round(s), each a fresh ${node.version} process per side (alternating order), timing import of the bundle + first invoke (GET /health; each trigger's own event)`)
    console.log(`  app  ${app.file} (${size(app.file)})${reused ? ' [reused cdk.out]' : ''}`)
    console.log(`  bare ${bare.file} (${size(bare.file)})`)
    console.log(`  function environment: ${Object.entries(app.env).filter(([k]) => !(k in lambdaRuntimeEnv('', ''))).map(([k, v]) => `${k}=${v}`).join(' ')}`)
    // One unmeasured start each first: the files come into the page cache, as they are on a warm Lambda host.
    await coldstartOnce(node.path, bare)
    await coldstartOnce(node.path, app)
    await compareColdstarts(node.path, app, bare, rounds, 'app')

    // The Cognito triggers, each against its bare handler, their DynamoDB calls answered by the stub.
    const dynamo = await stubDynamoDb()
    try {
      for (const trigger of TRIGGERS) {
        const withStub = (b: Bundle): Bundle => ({ ...b, env: { ...b.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url } })
        const subject = withStub(triggerBundle(cdkOut, trigger))
        const baseline = withStub(bareTriggerBundle(bareOut, trigger, subject.env))
        console.log(`  ${trigger} ${subject.file} (${size(subject.file)}) against ${baseline.file} (${size(baseline.file)}); environment ${Object.entries(subject.env).filter(([k]) => !(k in lambdaRuntimeEnv('', ''))).map(([k, v]) => `${k}=${v}`).join(' ')}`)
        await coldstartOnce(node.path, baseline)
        await coldstartOnce(node.path, subject)
        dynamo.calls.clear()
        await compareColdstarts(node.path, subject, baseline, rounds, trigger)
        console.log(`    DynamoDB calls per round (both sides): ${[...dynamo.calls].map(([op, n]) => `${op} ${n / rounds}`).join(', ') || 'none'}`)
      }
    } finally {
      await dynamo.close()
    }
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
