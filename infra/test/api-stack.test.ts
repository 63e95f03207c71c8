// Assertions on the API stack: function settings, JWT authorizer, public routes, least-privilege IAM, no cycles.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Match } from 'aws-cdk-lib/assertions'
import { API_COGNITO_ACTIONS } from '../lib/api.js'
import { DEFAULT_THROTTLE } from '../lib/config.js'
import { repoPath } from '../lib/bundling.js'
import { asList, findCycle, policyStatements, synthStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib (and bundles with esbuild); on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

// Bundling is proven by stateful-stack.test.ts (its synth bundles every function of both stacks); skip it here.
const { apiTemplate: template, statefulTemplate, stateful, api } = synthStage({}, { bundle: false })
const json = template.toJSON()
const statefulJson = statefulTemplate.toJSON()

/** The import the API stack must use for a value the stateful stack exports. */
function importOf (value: unknown): { 'Fn::ImportValue': string } {
  const output = Object.values(statefulJson.Outputs as Record<string, { Value: unknown, Export?: { Name: string } }>)
    .find(o => JSON.stringify(o.Value) === JSON.stringify(value) && o.Export !== undefined)
  if (output === undefined) throw new Error(`stateful stack exports no ${JSON.stringify(value)}`)
  return { 'Fn::ImportValue': output.Export!.Name }
}
const idOf = (type: string): string => Object.keys(statefulTemplate.findResources(type))[0]!
const poolId = idOf('AWS::Cognito::UserPool')
const tableId = idOf('AWS::DynamoDB::Table')
const clientId = idOf('AWS::Cognito::UserPoolClient')
const poolArn = importOf({ 'Fn::GetAtt': [poolId, 'Arn'] })
const tableArn = importOf({ 'Fn::GetAtt': [tableId, 'Arn'] })

t.test('API function: Node 22, arm64, environment', async t => {
  template.resourceCountIs('AWS::Lambda::Function', 1)
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    Environment: {
      Variables: {
        AUTH_MODE: 'apigateway',
        COGNITO_USER_POOL_ID: importOf({ Ref: poolId }),
        COGNITO_CLIENT_IDS: importOf({ Ref: clientId }),
        TABLE_NAME: importOf({ Ref: tableId })
      }
    }
  })
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment: { Variables: Record<string, unknown> } } }>
  t.notOk('NODE_OPTIONS' in fn!.Properties.Environment.Variables, 'no --enable-source-maps: it decodes the whole source map at init')
  t.pass('function properties match')
})

t.test('JWT authorizer: the pool issuer, the web client as audience', async t => {
  template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1)
  template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
    AuthorizerType: 'JWT',
    IdentitySource: ['$request.header.Authorization'],
    JwtConfiguration: {
      Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', importOf({ Ref: poolId })]] },
      Audience: [importOf({ Ref: clientId })]
    }
  })
  t.pass('authorizer matches')
})

t.test('routes: everything behind the authorizer except health, docs and CORS preflight', async t => {
  const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]!
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(r => r.Properties)
  const byKey = new Map(routes.map(r => [r.RouteKey as string, r]))
  t.strictSame([...byKey.keys()].sort(), ['ANY /{proxy+}', 'GET /docs', 'GET /docs/{proxy+}', 'GET /health', 'GET /health/ready', 'OPTIONS /{proxy+}'])
  t.match(byKey.get('ANY /{proxy+}'), { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } })
  for (const key of ['GET /health', 'GET /health/ready', 'GET /docs', 'GET /docs/{proxy+}', 'OPTIONS /{proxy+}']) {
    t.equal(byKey.get(key)?.AuthorizationType, 'NONE', `${key} is public`)
    t.equal(byKey.get(key)?.AuthorizerId, undefined)
  }
  template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' })
})

t.test('IAM: explicit actions only, Cognito on its own pool, DynamoDB on its own table', async t => {
  const statements = policyStatements(template)
  for (const s of statements) {
    t.equal(s.Effect, 'Allow')
    for (const action of asList(s.Action)) t.notOk(action.includes('*'), `no wildcard action: ${action}`)
    for (const resource of asList(s.Resource)) t.not(resource, '*', 'no * resource')
  }
  const cognito = statements.filter(s => asList(s.Action).some(a => a.startsWith('cognito-idp:')))
  t.equal(cognito.length, 1)
  t.strictSame([...asList(cognito[0]!.Action)].sort(), [...API_COGNITO_ACTIONS].sort())
  t.equal(API_COGNITO_ACTIONS.length, 7)
  for (const gone of ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminRemoveUserFromGroup']) {
    t.notOk(asList(cognito[0]!.Action).includes(gone), `${gone} is not granted (tenant roles live in memberships)`)
  }
  for (const unused of ['cognito-idp:AdminUpdateUserAttributes']) {
    t.notOk(asList(cognito[0]!.Action).includes(unused), `${unused} is not granted (the API never calls it)`)
  }
  t.strictSame(cognito[0]!.Resource, poolArn, 'the pool ARN, nothing wider')

  const dynamo = statements.filter(s => asList(s.Action).some(a => a.startsWith('dynamodb:')))
  t.ok(dynamo.length > 0)
  for (const s of dynamo) {
    t.notOk(asList(s.Action).some(a => !a.startsWith('dynamodb:')), 'DynamoDB statements hold only DynamoDB actions')
    t.strictSame(asList(s.Resource), [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }], 'the table and its indexes')
  }
  t.ok(dynamo.some(s => asList(s.Action).includes('dynamodb:PutItem')), 'read-write')
  t.equal(statements.length, cognito.length + dynamo.length, 'nothing else in inline policies')
})

t.test('the stage throttles every route (the app\'s own limit is per Lambda instance)', async t => {
  template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1)
  template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    StageName: '$default',
    AutoDeploy: true,
    DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit }
  })
  t.pass('default route throttling set')
})

t.test('the granted Cognito actions are exactly the commands the API sends', async t => {
  // src/cognito/user-pool.ts is the only place the API builds Cognito commands; a new call there needs a new grant here.
  const source = readFileSync(repoPath('src', 'cognito', 'user-pool.ts'), 'utf8')
  const sent = [...new Set([...source.matchAll(/new (Admin\w+)Command\(/g)].map(m => `cognito-idp:${m[1]!}`))].sort()
  t.ok(sent.length > 0, 'found the commands src/cognito/user-pool.ts sends')
  t.strictSame(sent, [...API_COGNITO_ACTIONS].sort())
})

t.test('no reference cycles; the API stack depends on the stateful one, never the reverse', async t => {
  t.equal(findCycle(json), undefined)
  t.ok(api.dependencies.includes(stateful))
  t.notOk(stateful.dependencies.includes(api))
  t.notOk(JSON.stringify(statefulJson).includes('Fn::ImportValue'), 'stateful stack imports nothing')
})

t.test('outputs the API URL', async t => {
  template.hasOutput('ApiUrl', { Value: Match.anyValue() })
  t.pass('ApiUrl output')
})
