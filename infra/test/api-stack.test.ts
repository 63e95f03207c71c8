// Assertions on the API stack's API: function settings, JWT authorizer, public routes, least-privilege IAM, no cycles
// (the console and its client, which share the stack, are in console.test.ts).
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Match } from 'aws-cdk-lib/assertions'
import { ACCESS_LOG_FORMAT, API_COGNITO_ACTIONS } from '../lib/api.js'
import { DEFAULT_THROTTLE } from '../lib/config.js'
import { repoPath } from '../lib/repo-path.js'
import { asList, crossStack, findCycle, joinStacks, policyStatements, synthStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib (and bundles with esbuild); on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

// Bundling is proven by stateful-stack.test.ts (its synth bundles every function of both stacks); skip it here.
const { apiTemplate: template, statefulTemplate, stateful, api } = synthStage({}, { bundle: false })
const json = template.toJSON()
const statefulJson = statefulTemplate.toJSON()

const { importOf, idOf } = crossStack(statefulTemplate)
const poolId = idOf('AWS::Cognito::UserPool')
const tableId = idOf('AWS::DynamoDB::Table')
// The web client lives in this stack, beside the console it redirects to (docs/decisions/0015).
const clientId = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'))[0]!
const apiFunctionId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Fastify API') } }))[0]!
const poolArn = importOf({ 'Fn::GetAtt': [poolId, 'Arn'] })
const tableArn = importOf({ 'Fn::GetAtt': [tableId, 'Arn'] })

t.test('API function: Node 22, arm64, environment', async t => {
  // Besides it and the SSO providers' deploy step (sso-providers.test.ts), only the CDK's own handlers for the console
  // (the bucket deployment, the bucket's auto-delete in dev).
  t.equal(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } })).length, 2)
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('^Fastify API'),
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    Environment: {
      Variables: {
        AUTH_MODE: 'apigateway',
        COGNITO_USER_POOL_ID: importOf({ Ref: poolId }),
        COGNITO_CLIENT_IDS: { Ref: clientId },
        TABLE_NAME: importOf({ Ref: tableId }),
        CORS_ORIGINS: Match.anyValue() // the console's origin and the configured ones: console.test.ts
      }
    }
  })
  const fn = json.Resources[apiFunctionId] as { Properties: { Environment: { Variables: Record<string, unknown> } } }
  t.notOk('NODE_OPTIONS' in fn.Properties.Environment.Variables, 'no --enable-source-maps: it decodes the whole source map at init')
  t.pass('function properties match')
})

t.test('JWT authorizer: the pool issuer, the web client as audience', async t => {
  template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1)
  template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
    AuthorizerType: 'JWT',
    IdentitySource: ['$request.header.Authorization'],
    JwtConfiguration: {
      Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', importOf({ Ref: poolId })]] },
      Audience: [{ Ref: clientId }]
    }
  })
  t.pass('authorizer matches')
})

t.test('routes: everything behind the authorizer except health, docs, SSO discovery, the console\'s session and CORS preflight', async t => {
  const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]!
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(r => r.Properties)
  const byKey = new Map(routes.map(r => [r.RouteKey as string, r]))
  t.strictSame([...byKey.keys()].sort(), ['ANY /{proxy+}', 'DELETE /session', 'GET /docs', 'GET /docs/{proxy+}', 'GET /health', 'GET /health/ready', 'GET /sso/discover', 'OPTIONS /{proxy+}', 'POST /session', 'POST /session/refresh'])
  t.match(byKey.get('ANY /{proxy+}'), { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } })
  for (const key of ['GET /health', 'GET /health/ready', 'GET /sso/discover', 'GET /docs', 'GET /docs/{proxy+}', 'OPTIONS /{proxy+}', 'POST /session', 'POST /session/refresh', 'DELETE /session']) {
    t.equal(byKey.get(key)?.AuthorizationType, 'NONE', `${key} is public`)
    t.equal(byKey.get(key)?.AuthorizerId, undefined)
  }
  template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' })
})

t.test('API IAM: explicit actions only, Cognito on its own pool, DynamoDB on its own table', async t => {
  // The API function's role only; the console's bucket deployment has the CDK's own grants (console.test.ts).
  const role = json.Resources[apiFunctionId].Properties.Role['Fn::GetAtt'][0] as string
  const statements = policyStatements(template, role)
  for (const s of statements) {
    t.equal(s.Effect, 'Allow')
    for (const action of asList(s.Action)) t.notOk(action.includes('*'), `no wildcard action: ${action}`)
    for (const resource of asList(s.Resource)) t.not(resource, '*', 'no * resource')
  }
  const cognito = statements.filter(s => asList(s.Action).some(a => a.startsWith('cognito-idp:')))
  t.equal(cognito.length, 1)
  t.strictSame([...asList(cognito[0]!.Action)].sort(), [...API_COGNITO_ACTIONS].sort())
  t.equal(API_COGNITO_ACTIONS.length, 12)
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
  const logs = statements.filter(s => asList(s.Action).some(a => a.startsWith('logs:')))
  const logGroupId = json.Resources[apiFunctionId].Properties.LoggingConfig.LogGroup.Ref as string
  t.strictSame(logs, [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }], 'its own log group, nothing wider')
  t.equal(statements.length, cognito.length + dynamo.length + logs.length, 'nothing else in inline policies')
  t.equal(json.Resources[role].Properties.ManagedPolicyArns, undefined, 'no AWSLambdaBasicExecutionRole (it may write any log group)')
})

t.test('invitation notices: ses:SendEmail on the sender\'s identity only when sesFromAddress is set; CONSOLE_URL always', async t => {
  const env = (tpl: typeof template) => Object.values(tpl.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Fastify API') } }))[0]!.Properties.Environment.Variables
  const sesOf = (tpl: typeof template) => policyStatements(tpl).filter(s => asList(s.Action).some(a => a.startsWith('ses:')))
  t.strictSame(sesOf(template), [], 'no sender: no SES permission')
  t.equal(env(template).MAIL_FROM, undefined, 'no sender: notices are logged')
  t.ok(env(template).CONSOLE_URL, 'the notices link to the console')

  const { apiTemplate: withSes } = synthStage({ sesFromAddress: 'no-reply@acme.example', sesVerifiedDomain: 'acme.example', sesRegion: 'eu-west-1' }, { bundle: false })
  t.match(env(withSes), { MAIL_FROM: 'no-reply@acme.example', MAIL_REGION: 'eu-west-1' })
  const ses = sesOf(withSes)
  t.equal(ses.length, 1)
  t.strictSame(asList(ses[0]!.Action), ['ses:SendEmail'])
  t.match(JSON.stringify(ses[0]!.Resource), /:ses:eu-west-1:.*:identity\/acme\.example/, 'the verified identity, nothing wider')
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

t.test('the stage writes an access log line per request to a log group with the stage\'s retention', async t => {
  const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties
  const logGroupId = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string
  t.match(json.Resources[logGroupId], { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 14 } })
  const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>
  t.strictSame(format, ACCESS_LOG_FORMAT)
  t.match(format, { requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey', authorizerError: '$context.authorizer.error' })
  t.notOk(Object.values(format).some(v => /header|querystring|authorization/i.test(v)), 'no headers, no query string: tokens and sign-in codes stay out')
})

t.test('the granted Cognito actions are exactly the commands the API sends', async t => {
  // src/cognito/user-pool.ts (with identity-providers.ts) is the only place the API builds Cognito commands; a new call there needs a new grant here.
  // src/cognito/identity-providers.ts holds the SSO connections' calls (the pre sign-up trigger's are in src/cognito/triggers).
  const source = ['user-pool.ts', 'identity-providers.ts'].map(f => readFileSync(repoPath('src', 'cognito', f), 'utf8')).join('\n')
  const sent = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map(m => `cognito-idp:${m[1]!}`))].sort()
  t.ok(sent.length > 0, 'found the commands src/cognito/user-pool.ts sends')
  t.strictSame(sent, [...API_COGNITO_ACTIONS].sort())
})

t.test('no reference cycles; the API stack depends on the stateful one, never the reverse', async t => {
  t.equal(findCycle(json), undefined)
  t.equal(findCycle(joinStacks({ Stateful: statefulJson, Api: json })), undefined, 'nor through the cross-stack references')
  t.ok(api.dependencies.includes(stateful))
  t.notOk(stateful.dependencies.includes(api))
  t.notOk(JSON.stringify(statefulJson).includes('Fn::ImportValue'), 'stateful stack imports nothing')
})

t.test('imports only the pool and the table: nothing an already deployed stateful stack does not export', async t => {
  // Keeps the move of the web client into this stack a two-step deploy (infra/README.md, "Upgrading"): the new API
  // stack must deploy against the old stateful stack, so it may import nothing that stack did not export already.
  const imports = [...new Set([...JSON.stringify(json).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map(m => m[1]))].sort()
  const exported = Object.values(statefulJson.Outputs as Record<string, { Value: unknown, Export?: { Name: string } }>)
    .filter(o => o.Export !== undefined).map(o => [o.Export!.Name, o.Value] as const)
  t.strictSame(imports, exported.map(([name]) => name).sort(), 'every export is used')
  t.strictSame(exported.map(([, value]) => value).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
    { 'Fn::GetAtt': [poolId, 'Arn'] },
    { 'Fn::GetAtt': [tableId, 'Arn'] },
    { Ref: poolId },
    { Ref: tableId }
  ])
})

t.test('outputs the API URL, the web client id and the console URL', async t => {
  template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!, 'ApiEndpoint'] } })
  template.hasOutput('WebClientId', { Value: { Ref: clientId } })
  template.hasOutput('ConsoleUrl', { Value: Match.anyValue() })
  t.notOk('WebClientId' in (statefulJson.Outputs ?? {}), 'no longer the stateful stack\'s')
  t.pass('outputs')
})
