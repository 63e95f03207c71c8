// `npm run bench -- coldstart`: Lambda cold start of the API bundle against a bare Fastify Lambda bundled the same way.
//
// The API bundle is the one `npm run cdk:synth` makes (the same app, infra/lib/app.ts with cdk.json's context,
// synthesized in this process into a directory of our own so a synth elsewhere is not disturbed;
// BENCH_COLDSTART_CDK_OUT=<dir> reuses an existing cdk.out instead), run with the environment the stack sets on the API
// function. The baseline is bench/servers/bare-lambda.ts, bundled in the same synth by a NodejsFunction with the same
// infra/lib/bundling.ts settings (ESM banner, minify, source map, node22) and run with the same environment. Each round starts one fresh Node process per side, in alternating order, and each process times
// its own import of the bundle plus the first invoke of GET /health (bench/coldstart-child.mjs).
import { spawn, spawnSync } from 'node:child_process'
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

export interface Bundle { label: string, file: string, env: Record<string, string> }

/**
 * Values for the variables the stack sets from other resources (the stateful stack's exports, the web client, the
 * console's distribution): any valid value will do, as GET /health touches neither the pool nor the table. A new
 * token-valued variable fails the bench until it has one here.
 */
const TOKEN_PLACEHOLDERS: Record<string, string> = {
  COGNITO_USER_POOL_ID: 'us-east-1_Bench1',
  COGNITO_CLIENT_IDS: 'benchclient1',
  TABLE_NAME: 'saas-app-bench',
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

/** The synthesized API function (src/lambda.ts): its bundle and its environment. */
export function apiBundle (cdkOut: string): Bundle {
  const template = JSON.parse(readFileSync(join(cdkOut, 'SaasApp-dev-Api.template.json'), 'utf8')) as Template
  const fn = Object.values(template.Resources).find(r => r.Type === 'AWS::Lambda::Function' && /\/Api\/Handler\/Resource$/.test(r.Metadata?.['aws:cdk:path'] ?? ''))
  const asset = fn?.Metadata?.['aws:asset:path']
  if (!fn || !asset) throw new Error(`coldstart: no API function with a bundled asset in ${cdkOut}`)
  const dir = join(cdkOut, asset)
  return { label: 'app', file: join(dir, 'index.mjs'), env: { ...lambdaRuntimeEnv(dir, 'coldstart-app'), ...functionEnv(fn.Properties?.Environment?.Variables ?? {}) } }
}

const BARE_STACK = 'ColdstartBare'

/**
 * One in-process synth into outDir, as `cdk synth` runs it (infra/lib/app.ts with cdk.json's context), of the API
 * stack (unless withApi is false: a reused cdk.out has it) and a stack of its own holding bench/servers/bare-lambda.ts
 * in a NodejsFunction with the API's bundling settings (infra/lib/bundling.ts). Only those two functions are bundled
 * (aws:cdk:bundling-stacks): the stateful stack's triggers are not measured. One synth instead of the CLI's plus one
 * for bare saves a CLI, tsx and aws-cdk-lib start and two esbuild runs (test/bench/coldstart.test.ts runs it all).
 */
export async function synthBundles (outDir: string, { withApi = true } = {}): Promise<void> {
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
      'aws:cdk:bundling-stacks': [BARE_STACK, ...(withApi ? [`SaasApp-${String(cdkContext.stage)}-Api`] : [])],
      // The API stack also hosts the web console; its content does not touch the API bundle, so the infra tests'
      // stand-in build serves (no `npm run web:build` needed to measure a cold start).
      consoleAssetPath: join('infra', 'test', 'fixtures', 'console')
    }
  })
  if (withApi) addStageStacks(app)
  new NodejsFunction(new Stack(app, BARE_STACK), 'Bare', nodeFunctionProps(repoPath('bench', 'servers', 'bare-lambda.ts'))) // eslint-disable-line no-new
  app.synth()
}

/** The baseline's bundle from synthBundles' output, run with the API function's environment. */
export function bareBundle (outDir: string, env: Record<string, string>): Bundle {
  const template = JSON.parse(readFileSync(join(outDir, `${BARE_STACK}.template.json`), 'utf8')) as Template
  const asset = Object.values(template.Resources).find(r => r.Type === 'AWS::Lambda::Function')?.Metadata?.['aws:asset:path']
  if (!asset) throw new Error('coldstart: the bare function has no bundled asset')
  const dir = join(outDir, asset)
  return { label: 'bare', file: join(dir, 'index.mjs'), env: { ...env, LAMBDA_TASK_ROOT: dir, AWS_LAMBDA_FUNCTION_NAME: 'coldstart-bare' } }
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
    const child = spawn(node, [CHILD, bundle.file], { env: bundle.env, stdio: ['ignore', 'pipe', 'pipe'] })
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

/** Runs the comparison and prints it; resolves to the exit code (0, or 1 when a side failed). */
export async function coldstart (): Promise<number> {
  const rounds = Math.max(1, Math.trunc(Number(process.env.BENCH_COLDSTART_ROUNDS ?? 15)) || 1)
  const work = mkdtempSync(join(tmpdir(), 'coldstart-'))
  try {
    const reused = process.env.BENCH_COLDSTART_CDK_OUT
    const cdkOut = reused ?? join(work, 'cdk.out')
    const bareOut = reused ? join(work, 'bare.out') : cdkOut
    await synthBundles(bareOut, { withApi: !reused })
    const app = apiBundle(cdkOut)
    const bare = bareBundle(bareOut, app.env)
    const node = coldstartNode()
    const size = (f: string) => `${(readFileSync(f).length / 1e6).toFixed(2)} MB`
    console.log(`coldstart: ${rounds} round(s), each a fresh ${node.version} process per side (alternating order), timing import of the bundle + first GET /health invoke`)
    console.log(`  app  ${app.file} (${size(app.file)})${reused ? ' [reused cdk.out]' : ''}`)
    console.log(`  bare ${bare.file} (${size(bare.file)})`)
    console.log(`  function environment: ${Object.entries(app.env).filter(([k]) => !(k in lambdaRuntimeEnv('', ''))).map(([k, v]) => `${k}=${v}`).join(' ')}`)
    // One unmeasured start each first: the files come into the page cache, as they are on a warm Lambda host.
    await coldstartOnce(node.path, bare)
    await coldstartOnce(node.path, app)
    const runs = { bare: [] as Coldstart[], app: [] as Coldstart[] }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [bare, app] : [app, bare]
      for (const b of order) {
        const c = await coldstartOnce(node.path, b)
        runs[b.label as 'bare' | 'app'].push(c)
        if (process.env.BENCH_VERBOSE) console.log(`    round ${r} ${b.label.padEnd(4)} import ${c.importMs.toFixed(1)} ms + invoke ${c.invokeMs.toFixed(1)} ms = ${c.totalMs.toFixed(1)} ms (CPU ${c.cpuMs.toFixed(1)} ms)`)
      }
    }
    for (const [label, xs] of Object.entries(runs)) {
      console.log(`  ${label.padEnd(4)} median ${median(xs.map(x => x.totalMs)).toFixed(1)} ms (import ${median(xs.map(x => x.importMs)).toFixed(1)} + invoke ${median(xs.map(x => x.invokeMs)).toFixed(1)}; CPU ${median(xs.map(x => x.cpuMs)).toFixed(1)} ms; Node's own boot before it ${median(xs.map(x => x.bootMs)).toFixed(1)} ms, not counted)`)
    }
    // compare() treats its second argument as the subject: per round app/bare, averaged on the log scale, with a 95% interval.
    const c = compare(runs.bare.map(x => x.totalMs), runs.app.map(x => x.totalMs))
    const verdict = c.high <= COLDSTART_TARGET ? 'met' : c.low > COLDSTART_TARGET ? 'MISSED' : 'undecided (the interval spans it)'
    const ofMedians = median(runs.app.map(x => x.totalMs)) / median(runs.bare.map(x => x.totalMs))
    console.log(`  ratio app/bare ${c.ratio.toFixed(2)} (95% interval ${c.low.toFixed(2)}–${Number.isFinite(c.high) ? c.high.toFixed(2) : '∞'}; ratio of medians ${ofMedians.toFixed(2)})  target ≤ ${COLDSTART_TARGET}: ${verdict}`)
    // CPU time is steadier than wall time on a busy machine; printed beside it, not judged (Lambda bills wall time).
    const byCpu = compare(runs.bare.map(x => x.cpuMs), runs.app.map(x => x.cpuMs))
    console.log(`  by CPU time app/bare ${byCpu.ratio.toFixed(2)} (95% interval ${byCpu.low.toFixed(2)}–${Number.isFinite(byCpu.high) ? byCpu.high.toFixed(2) : '∞'})`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
