// cdk-nag's AwsSolutions pack on every stage: each finding fixed or acknowledged in code with its reason, and the
// acknowledgments narrow enough that a new wildcard, public route or function still fails.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Validations, type App } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { AwsSolutionsChecks } from 'cdk-nag'
import { applyNagChecks } from '../lib/nag.js'
import { synthStage, type SynthedStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib; on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

interface Finding { severity: string, rule: string, path: string }

/** The pack's unacknowledged findings on a synthesized stage, as `rule at path` with their severity. */
function findings (synthed: SynthedStage): Finding[] {
  const report = new AwsSolutionsChecks().validateScope(synthed.stateful.node.root)
  return report.violations.flatMap(v => v.violatingResources.map(r => ({ severity: v.severity ?? 'error', rule: v.ruleName, path: r.constructPath ?? '?' })))
}
const show = (list: Finding[]): string[] => list.map(f => `${f.rule} at ${f.path}`)

/** Every acknowledgment in the app: rule id, reason and the construct it is on. */
function acknowledgments (root: IConstruct): Array<{ id: string, reason: string, path: string }> {
  return root.node.findAll().flatMap(c => c.node.metadata
    .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap(m => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason, path: c.node.path }))))
}

const stages = {
  dev: synthStage({}, { bundle: false }),
  prod: synthStage({ stage: 'prod' }, { bundle: false })
}

for (const [stage, synthed] of Object.entries(stages)) {
  t.test(`${stage}: AwsSolutions reports no unacknowledged error and no unacknowledged warning`, async t => {
    const all = findings(synthed)
    const warnings = all.filter(f => f.severity === 'warning')
    for (const w of warnings) t.comment(`warning: ${w.rule} at ${w.path}`)
    t.strictSame(show(all.filter(f => f.severity !== 'warning')), [], 'no error')
    t.strictSame(show(warnings), [], 'no warning either: each is acknowledged with its reason')
  })
}

t.test('every acknowledgment is on a resource, names one AwsSolutions rule and says why', async t => {
  // Validations.acknowledge() records cdk-nag's ids under the Annotation:: namespace; the CDK records its own too.
  const acks = acknowledgments(stages.dev.stateful.node.root).filter(a => a.id.includes('AwsSolutions-')).map(a => ({ ...a, id: a.id.replace(/^Annotation::/, '') }))
  for (const a of acks) t.comment(`${a.id} at ${a.path}: ${a.reason}`)
  t.ok(acks.length > 0)
  for (const a of acks) {
    t.match(a.id, /^AwsSolutions-[A-Z]+\d+(\[.+\])?$/, `${a.id} is one rule (or one finding of it)`)
    t.ok(a.reason.length >= 40, `${a.id} at ${a.path} carries a reason`)
    t.not(a.path.split('/').length, 1, `${a.id} is not on the app`)
    t.notOk(a.path.split('/').length === 2 && a.path.endsWith('-Stateful'), `${a.id} is not on a whole stack`)
    t.notOk(a.path.split('/').length === 2 && a.path.endsWith('-Api'), `${a.id} is not on a whole stack`)
  }
  // Wildcards are acknowledged one by one (IAM5[...]), never as the whole rule.
  t.strictSame(acks.filter(a => /^AwsSolutions-IAM[45]$/.test(a.id)), [], 'no blanket IAM4/IAM5')
  t.strictSame(acks.filter(a => /COG1|APIG1|S1$|CFR3/.test(a.id)), [], 'the fixed findings are not acknowledged')
})

t.test('threat protection on: COG8 passes without an acknowledgment', async t => {
  const plus = synthStage({ threatProtection: 'audit' }, { bundle: false })
  t.strictSame(show(findings(plus)), [])
  t.notOk(acknowledgments(plus.stateful.node.root).some(a => a.id.endsWith('AwsSolutions-COG8')), 'COG8 is acknowledged only while it is off')
})

t.test('the acknowledgments are narrow: a new wildcard, public route or function still fails', async t => {
  const synthed = synthStage({}, { bundle: false })
  const { api } = synthed.api
  // Another wildcard on the API's role, beside the acknowledged table/index/*.
  api.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/other/index/*'] }))
  // Another public route.
  api.httpApi.addRoutes({ path: '/admin', methods: [apigw.HttpMethod.GET], integration: new HttpLambdaIntegration('Extra', api.handler) })
  // Another function on Node 22, outside the helpers that acknowledge the runtime.
  new lambda.Function(synthed.api, 'Extra', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') })
  const rules = findings(synthed).map(f => f.rule)
  t.ok(rules.includes('AwsSolutions-IAM5[Resource::arn:aws:dynamodb:us-east-1:123456789012:table/other/index/*]'), 'the new wildcard')
  t.ok(rules.includes('AwsSolutions-APIG4'), 'the new public route')
  t.ok(rules.includes('AwsSolutions-L1'), 'the new function\'s runtime')
  t.ok(rules.includes('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'), 'the new function\'s managed policy')
})

t.test('the app\'s synth (bin/app.ts) fails on an unacknowledged finding, with the report', async t => {
  const clean = synthStage({}, { bundle: false })
  applyNagChecks(clean.stateful.node.root as App)
  t.doesNotThrow(() => (clean.stateful.node.root as App).synth({ force: true }), 'a clean stage synthesizes')

  const dirty = synthStage({}, { bundle: false })
  const app = dirty.stateful.node.root as App
  applyNagChecks(app)
  dirty.api.api.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }))
  // The CDK prints the report to stderr and names its copy in the error.
  let message = ''
  t.throws(() => { try { app.synth({ force: true }) } catch (err) { message = String(err); throw err } }, /Validation failed/)
  const reportFile = /found in: (\S+\.json)/.exec(message)?.[1]
  t.ok(reportFile, 'the error names the report')
  const report = readFileSync(reportFile!, 'utf8')
  t.match(report, 'AwsSolutions-IAM5[Action::s3:*]', 'which names the new wildcard action')
  t.match(report, 'AwsSolutions-IAM5[Resource::*]', 'and resource')
})
