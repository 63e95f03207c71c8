// The deploy step that puts the SSO providers back on the web client (lib/sso-providers.ts, decision 0022): it exists,
// runs after the client on every deploy, and its function may do exactly what the re-apply does, on the pool and the
// table only.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Match } from 'aws-cdk-lib/assertions'
import { LEASE_KEYS, REAPPLY_COGNITO_ACTIONS } from '../lib/sso-providers.js'
import { repoPath } from '../lib/repo-path.js'
import { asList, crossStack, policyStatements, synthStage } from './fixtures/app.js'

t.setTimeout(240_000)

const startedAt = Date.now()
const { apiTemplate: template, statefulTemplate } = synthStage({}, { bundle: false })
const json = template.toJSON()

const { importOf, idOf } = crossStack(statefulTemplate)
const poolArn = importOf({ 'Fn::GetAtt': [idOf('AWS::Cognito::UserPool'), 'Arn'] })
const tableArn = importOf({ 'Fn::GetAtt': [idOf('AWS::DynamoDB::Table'), 'Arn'] })
const clientId = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'))[0]!
const resources = template.findResources('Custom::SsoProviders')
const resource = Object.values(resources)[0]!
const functionId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Re-applies the SSO providers') } }))[0]!

t.test('one custom resource, served by its own function, naming the web client', async t => {
  t.equal(Object.keys(resources).length, 1)
  t.strictSame(resource.Properties.ServiceToken, { 'Fn::GetAtt': [functionId, 'Arn'] })
  t.strictSame(resource.Properties.ClientId, { Ref: clientId })
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('^Re-applies the SSO providers'),
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Environment: { Variables: { TABLE_NAME: importOf({ Ref: idOf('AWS::DynamoDB::Table') }), COGNITO_USER_POOL_ID: importOf({ Ref: idOf('AWS::Cognito::UserPool') }) } }
  })
})

t.test('runs after the web client, and after its function and role policy exist', async t => {
  const dependsOn = asList(resource.DependsOn ?? [])
  t.ok(dependsOn.includes(clientId), 'DependsOn the client')
  t.ok(dependsOn.includes(functionId), 'DependsOn its function')
  const role = json.Resources[functionId].Properties.Role['Fn::GetAtt'][0] as string
  t.ok(dependsOn.some(d => d.startsWith(role)), 'DependsOn its role (and so the grants)')
})

t.test('runs on every deploy: a property that changes with every synth', async t => {
  const stamp = Date.parse(String(resource.Properties.DeployStamp))
  t.ok(stamp >= startedAt - 1000 && stamp <= Date.now(), 'the synth time, so each deploy sends an Update')
})

t.test('least privilege: the re-apply\'s Cognito calls on the pool, a query and the lease item on the table', async t => {
  const role = json.Resources[functionId].Properties.Role['Fn::GetAtt'][0] as string
  const statements = policyStatements(template, role) as Array<{ Action: string | string[], Resource: unknown, Effect: string, Condition?: unknown }>
  for (const s of statements) {
    for (const action of asList(s.Action)) t.notOk(action.includes('*'), `no wildcard action: ${action}`)
    for (const r of asList(s.Resource)) t.notOk(JSON.stringify(r).includes('*'), 'no wildcard resource')
  }
  const cognito = statements.filter(s => asList(s.Action).some(a => a.startsWith('cognito-idp:')))
  t.equal(cognito.length, 1)
  t.strictSame([...asList(cognito[0]!.Action)].sort(), [...REAPPLY_COGNITO_ACTIONS].sort())
  t.strictSame(cognito[0]!.Resource, poolArn, 'the pool ARN only')
  const query = statements.find(s => asList(s.Action).includes('dynamodb:Query'))
  t.strictSame(asList(query?.Action), ['dynamodb:Query'])
  t.strictSame(asList(query?.Resource), [tableArn, { 'Fn::Join': ['', [tableArn, '/index/GSI1']] }], 'the table and GSI1, named')
  const write = statements.find(s => asList(s.Action).includes('dynamodb:PutItem'))
  t.strictSame([...asList(write?.Action)].sort(), ['dynamodb:DeleteItem', 'dynamodb:PutItem'])
  t.strictSame(write?.Resource, tableArn)
  t.strictSame(write?.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LEASE_KEYS] } }, 'only the lease items')
  const logs = statements.filter(s => asList(s.Action).some(a => a.startsWith('logs:')))
  t.equal(statements.length, cognito.length + 2 + logs.length, 'nothing else')
  t.equal(json.Resources[role].Properties.ManagedPolicyArns, undefined, 'no managed policy')
})

t.test('the granted Cognito actions are exactly the commands the re-apply sends', async t => {
  const source = readFileSync(repoPath('src', 'services', 'sso', 'reapply.ts'), 'utf8')
  const used = [...source.matchAll(/'(describeProvider|changeClientProviders)'/g)].map(m => m[1])
  t.strictSame([...new Set(used)].sort(), ['changeClientProviders', 'describeProvider'])
  // describeProvider sends DescribeIdentityProvider; changeClientProviders Describe- then UpdateUserPoolClient.
  t.strictSame([...REAPPLY_COGNITO_ACTIONS].sort(), ['cognito-idp:DescribeIdentityProvider', 'cognito-idp:DescribeUserPoolClient', 'cognito-idp:UpdateUserPoolClient'])
})
