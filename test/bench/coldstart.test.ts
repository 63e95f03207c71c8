// `npm run bench -- coldstart` end to end with one round: the synthesized API bundle and the bare one each start in a
// fresh process, answer GET /health, and the comparison prints a ratio; then each Cognito trigger against its bare handler.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { functionEnv, median } from '../../bench/coldstart.js'
import { childEnv } from '../helpers/child-env.js'

// Its own timeout, not tap's 180 s per file (the root test's setTimeout tells the runner): one in-process synth that
// bundles two functions, then four fresh processes, took ~75 s at load 14 on this 2-core machine.
t.setTimeout(300_000)
const root = fileURLToPath(new URL('../..', import.meta.url))

t.test('the function environment: literals as they are, imported values replaced, unknown ones refused', async t => {
  t.same(functionEnv({ AUTH_MODE: 'apigateway', TABLE_NAME: { 'Fn::ImportValue': 'x' } }), { AUTH_MODE: 'apigateway', TABLE_NAME: 'saas-app-bench' })
  t.throws(() => functionEnv({ SOMETHING_NEW: { Ref: 'x' } }), /SOMETHING_NEW is not a literal/)
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 2, 3]), 2.5)
})

t.test('npm run bench -- coldstart, one round', async t => {
  // This Node, not node@22 from the registry: the test checks the mechanism, not production's numbers.
  const env = childEnv({ ...process.env, BENCH_COLDSTART_ROUNDS: '1', BENCH_COLDSTART_NODE: process.execPath, BENCH_VERBOSE: '1' })
  const run = spawnSync('npx', ['tsx', 'bench/run.ts', 'coldstart'], { cwd: root, env, encoding: 'utf8', timeout: 280_000 })
  t.equal(run.status, 0, run.status === 0 ? 'exit 0' : `${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`)
  t.match(run.stdout, /function environment: .*AUTH_MODE=apigateway/, 'the API function\'s environment from the template')
  for (const side of ['app', 'bare']) {
    t.match(run.stdout, new RegExp(`round 0 ${side} +import \\d+\\.\\d ms \\+ invoke \\d+\\.\\d ms`), `${side}: one measured cold start`)
    t.match(run.stdout, new RegExp(`${side} +median \\d+\\.\\d ms`), `${side}: a median`)
  }
  const ratio = /ratio app\/bare (\d+\.\d+) \(95% interval/.exec(run.stdout)
  t.ok(ratio && Number(ratio[1]) > 0, `a ratio is printed (${ratio?.[1]})`)
  t.match(run.stdout, /target ≤ 2: (met|MISSED|undecided)/, 'and judged against the target')
  // Each Cognito trigger against its bare handler, their DynamoDB calls answered by the stub endpoint.
  for (const trigger of ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration']) {
    t.match(run.stdout, new RegExp(`ratio ${trigger}/bare \\d+\\.\\d+ \\(95% interval`), `${trigger}: a ratio against its bare handler`)
    t.match(run.stdout, new RegExp(`by CPU time ${trigger}/bare \\d+\\.\\d+`), `${trigger}: and by CPU time`)
  }
  t.match(run.stdout, /DynamoDB calls per round \(both sides\): .*TransactWriteItems/, 'post confirmation and its baseline write through the stub')
  t.match(run.stdout, /DynamoDB calls per round \(both sides\): GetItem/, 'pre token generation and its baseline read through the stub')
})
