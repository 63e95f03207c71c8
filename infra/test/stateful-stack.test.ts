// Assertions on the stateful stack (table, user pool, domain, groups, triggers) as synthesized for the default stage, and on
// the pool's web client, which lives in the stateless stack beside the console (docs/decisions/0015).
import t from 'tap'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { TABLE, createTableInput } from '../../src/dynamodb/table.js'
import { PLATFORM_GROUPS } from '../../src/domain/model.js'
import { childEnv } from '../../test/helpers/child-env.js'
import { hostedUiBaseUrl } from '../lib/auth.js'
import { asList, findCycle, policyStatements, synthStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib (and bundles with esbuild); on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

// One synth (with real esbuild bundling) for the whole file.
const { statefulTemplate: template, apiTemplate, outdir, stateful, config } = synthStage()
const json = template.toJSON()
const logicalIdOf = (type: string, props: Record<string, unknown> = {}): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }))
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`)
  return ids[0]!
}
const poolId = logicalIdOf('AWS::Cognito::UserPool')
const tableId = logicalIdOf('AWS::DynamoDB::Table')
const functionIdOf = (description: string): string => logicalIdOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp(description) })

t.test('table: keys, GSI1 and TTL from src/dynamodb/table.ts; on-demand, PITR, deletion protection', async t => {
  template.hasResourceProperties('AWS::DynamoDB::Table', {
    TableName: 'saas-app-dev', // a literal: a deployed table's name must not follow a refactor
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }, { AttributeName: TABLE.sortKey, KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: TABLE.gsi1.indexName,
      KeySchema: [{ AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' }, { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' }
    }],
    TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    DeletionProtectionEnabled: true
  })
  t.pass('table properties match')
})

t.test('the deployed table has exactly the keys, attributes and index that `npm run db:setup` creates', async t => {
  const local = createTableInput('any')
  const props = template.findResources('AWS::DynamoDB::Table')[tableId]!.Properties as Record<string, unknown>
  const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) => String(a.AttributeName).localeCompare(String(b.AttributeName))
  t.same(props.KeySchema, local.KeySchema)
  t.same([...(props.AttributeDefinitions as Array<{ AttributeName: string }>)].sort(byName), [...local.AttributeDefinitions!].sort(byName))
  t.same(props.GlobalSecondaryIndexes, local.GlobalSecondaryIndexes)
  t.equal(props.BillingMode, local.BillingMode)
})

t.test('table and user pool are retained', async t => {
  for (const type of ['AWS::DynamoDB::Table', 'AWS::Cognito::UserPool']) {
    template.hasResource(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' })
  }
  t.pass('DeletionPolicy and UpdateReplacePolicy are Retain')
  template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' })
  template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true })
  t.pass('and both refuse a direct delete')
})

t.test('user pool settings', async t => {
  template.hasResourceProperties('AWS::Cognito::UserPool', {
    UserPoolName: 'saas-app-dev-users',
    UserPoolTier: 'ESSENTIALS',
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
    AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    Schema: Match.arrayWith([Match.objectLike({ Name: 'tenant_id', AttributeDataType: 'String', Mutable: false })]),
    // A self-service email change waits until the new address is verified (the client can write email; see below).
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] }
  })
  t.pass('pool properties match')
})

t.test('web client: public, code grant, scopes, token lifetimes, revocation', async t => {
  template.resourceCountIs('AWS::Cognito::UserPoolClient', 0)
  apiTemplate.resourceCountIs('AWS::Cognito::UserPoolClient', 1)
  apiTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
    UserPoolId: { 'Fn::ImportValue': Match.stringLikeRegexp('SaasApp-dev-Stateful:ExportsOutputRefAuthUserPool') },
    ClientName: 'saas-app-dev-web',
    GenerateSecret: false,
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    // After the console's own origin (console.test.ts): the local dev server, which signs in at / like the console.
    CallbackURLs: [Match.anyValue(), 'http://localhost:5173/'],
    LogoutURLs: [Match.anyValue(), 'http://localhost:5173/'],
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    RefreshTokenValidity: 43200,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    EnableTokenRevocation: true,
    PreventUserExistenceErrors: 'ENABLED'
  })
  t.pass('client properties match')
})

t.test('web client cannot write the tenant but can read it', async t => {
  const client = Object.values(apiTemplate.findResources('AWS::Cognito::UserPoolClient'))[0]!
  const { WriteAttributes: write, ReadAttributes: read } = client.Properties
  t.ok(Array.isArray(write) && write.length > 0, 'WriteAttributes is set explicitly (else every attribute is writable)')
  t.notOk(write.includes('custom:tenant_id'), 'WriteAttributes lacks custom:tenant_id')
  t.strictSame([...write].sort(), ['email', 'name'], 'nothing writable beyond the required email and the display name')
  // Cognito rejects a client that cannot write a required attribute ("Invalid write attributes specified"), at deploy
  // time only; so email cannot be withheld here, and the pool's keepOriginal (above) bounds what a user does with it.
  const pool = Object.values(template.findResources('AWS::Cognito::UserPool'))[0]!
  const required = (pool.Properties.Schema as Array<{ Name: string, Required?: boolean }>).filter(a => a.Required === true).map(a => a.Name)
  t.ok(required.includes('email'))
  for (const name of required) t.ok(write.includes(name), `required attribute ${name} is writable (else Cognito refuses the client)`)
  t.ok(read.includes('custom:tenant_id'), 'ReadAttributes includes custom:tenant_id')
})

t.test('passwordless is off by default', async t => {
  const pool = Object.values(template.findResources('AWS::Cognito::UserPool'))[0]!
  t.equal(pool.Properties.Policies.SignInPolicy, undefined)
  apiTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', { ExplicitAuthFlows: Match.not(Match.arrayWith(['ALLOW_USER_AUTH'])) })
})

t.test('hosted UI domain on managed login v2, with branding for the client', async t => {
  template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'saas-app-dev', ManagedLoginVersion: 2, UserPoolId: { Ref: poolId } })
  // The branding belongs to the client, so it moved with it; the stateless stack deploys after this one, domain included.
  template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 0)
  apiTemplate.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
    UserPoolId: { 'Fn::ImportValue': Match.stringLikeRegexp('SaasApp-dev-Stateful:ExportsOutputRefAuthUserPool') },
    ClientId: { Ref: Object.keys(apiTemplate.findResources('AWS::Cognito::UserPoolClient'))[0]! },
    UseCognitoProvidedValues: true
  })
  t.pass('domain and branding')
})

t.test('the stateless stack names the managed-login domain from config (hostedUiBaseUrl): the same URL as the domain\'s', async t => {
  // The console's config.json and CSP use hostedUiBaseUrl(config.domainPrefix, region) to avoid a new cross-stack export.
  const domainId = logicalIdOf('AWS::Cognito::UserPoolDomain')
  const flatten = (value: unknown): string => {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']
    if (join === undefined) return JSON.stringify(value)
    return join[1].map(p => JSON.stringify(p) === JSON.stringify({ Ref: domainId }) ? json.Resources[domainId].Properties.Domain : typeof p === 'string' ? p : flatten(p)).join(join[0])
  }
  const expected = flatten(stateful.resolve(hostedUiBaseUrl(config.domainPrefix, stateful.region)))
  t.equal(flatten(json.Outputs.HostedUiBaseUrl.Value), expected)
  t.equal(expected, 'https://saas-app-dev.auth.{"Ref":"AWS::Region"}.amazoncognito.com')
})

t.test('groups: platform roles only (tenant roles live in memberships)', async t => {
  const names = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map(g => g.Properties.GroupName).sort()
  t.strictSame(names, [...PLATFORM_GROUPS].sort())
  t.strictSame(names, ['platform-admins'])
})

t.test('triggers: pre sign-up, post confirmation, pre authentication, pre token generation V2_0 on Node 22 arm64', async t => {
  const preSignUp = functionIdOf('PreSignUp')
  const postConfirmation = functionIdOf('PostConfirmation')
  const preToken = functionIdOf('PreTokenGeneration')
  const preAuth = functionIdOf('PreAuthentication')
  template.hasResourceProperties('AWS::Cognito::UserPool', {
    LambdaConfig: {
      PreSignUp: { 'Fn::GetAtt': [preSignUp, 'Arn'] },
      PostConfirmation: { 'Fn::GetAtt': [postConfirmation, 'Arn'] },
      PreAuthentication: { 'Fn::GetAtt': [preAuth, 'Arn'] },
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [preToken, 'Arn'] }, LambdaVersion: 'V2_0' }
    }
  })
  for (const id of [preSignUp, postConfirmation, preToken, preAuth]) {
    const fn = json.Resources[id]
    t.equal(fn.Properties.Runtime, 'nodejs22.x')
    t.strictSame(fn.Properties.Architectures, ['arm64'])
    t.equal(fn.Properties.Handler, 'index.handler')
  }
  for (const id of [preSignUp, postConfirmation, preToken, preAuth]) {
    t.strictSame(json.Resources[id].Properties.Environment.Variables.TABLE_NAME, { Ref: tableId })
    t.notOk('NODE_OPTIONS' in json.Resources[id].Properties.Environment.Variables, 'no --enable-source-maps: it parses the source map at init')
  }
  // Cognito must be allowed to invoke each trigger, scoped to this pool.
  template.resourceCountIs('AWS::Lambda::Permission', 4)
  template.allResourcesProperties('AWS::Lambda::Permission', { Principal: 'cognito-idp.amazonaws.com', SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] } })
})

t.test('trigger IAM: Cognito rights only where SSO needs them, on the pool only; DynamoDB on the table only; no wildcards', async t => {
  const statements = policyStatements(template)
  t.ok(statements.length > 0)
  for (const s of statements) {
    for (const action of asList(s.Action)) t.notOk(action.includes('*'), `no wildcard action: ${action}`)
    for (const resource of asList(s.Resource)) t.not(resource, '*', 'no * resource')
  }
  const policies = template.findResources('AWS::IAM::Policy')
  const actionsOf = (name: string) => {
    const role = json.Resources[functionIdOf(name)].Properties.Role['Fn::GetAtt'][0]
    return Object.values(policies)
      .filter(p => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(p => (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[], Resource: unknown }>))
  }
  const cognitoOf = (name: string) => actionsOf(name).filter(s => asList(s.Action).some(a => a.startsWith('cognito-idp:')))
  // No trigger adds anyone to a group: the founder of a self-signed-up tenant is its admin through the membership.
  t.strictSame(cognitoOf('PostConfirmation'), [])
  t.strictSame(cognitoOf('PreTokenGeneration'), [])
  t.strictSame(cognitoOf('PreSignUp').map(s => asList(s.Action)).flat().sort(), ['cognito-idp:AdminGetUser', 'cognito-idp:AdminLinkProviderForUser'], 'pre sign-up links a federated identity to the native user')
  t.strictSame(cognitoOf('PreAuthentication').map(s => asList(s.Action)).flat(), ['cognito-idp:AdminListGroupsForUser'], 'pre authentication lets platform admins through')
  for (const s of [...cognitoOf('PreSignUp'), ...cognitoOf('PreAuthentication')]) t.strictSame(s.Resource, { 'Fn::GetAtt': [poolId, 'Arn'] }, 'the pool ARN only')

  for (const s of statements.filter(s => asList(s.Action).some(a => a.startsWith('dynamodb:')))) {
    t.strictSame(asList(s.Resource), [{ 'Fn::GetAtt': [tableId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] }])
  }
  // Pre sign-up and pre authentication only read the table.
  for (const name of ['PreSignUp', 'PreAuthentication']) {
    const dynamo = actionsOf(name).flatMap(s => asList(s.Action)).filter(a => a.startsWith('dynamodb:'))
    t.ok(dynamo.length > 0, `${name} reads`)
    t.strictSame(dynamo.filter(a => !/^dynamodb:(Get|BatchGet|Query|Scan|ConditionCheck|Describe)/.test(a)), [], `${name} only reads`)
  }
  // Logs: each trigger writes its own log group only, not AWSLambdaBasicExecutionRole's every log group in the account.
  for (const name of ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration', 'PreAuthentication']) {
    const fn = json.Resources[functionIdOf(name)]
    const role = json.Resources[fn.Properties.Role['Fn::GetAtt'][0]]
    t.equal(role.Properties.ManagedPolicyArns, undefined, `${name}: no managed policy`)
    t.strictSame(role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement), [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] } }
    ], `${name}: writes its own log group only`)
  }
})

t.test('no reference cycle among the stateful resources', async t => {
  t.equal(findCycle(json), undefined)
})

t.test('the cycle check catches the userPool.grant() trap from CDK-NOTES', async t => {
  const stack = new Stack()
  const pool = new cognito.UserPool(stack, 'Pool')
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async e => e') })
  pool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, fn)
  pool.grant(fn, 'cognito-idp:AdminAddUserToGroup')
  const cycle = findCycle(Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON())
  t.ok(cycle, `found: ${cycle?.join(' -> ')}`)
  // aws-cdk-lib's assertions make the same check when building a Template, so Template.fromStack above would throw too.
  t.throws(() => Template.fromStack(stack), /dependency cycle/)
})

t.test('bundles: the trigger ESM bundles load and export handler; the API bundle ships swagger-ui static files', async t => {
  // A function's code is the asset <hash>.zip, staged as <outdir>/asset.<hash>/.
  const assetDir = (fn: Record<string, any>): string => path.join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`)
  for (const name of ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration', 'PreAuthentication']) {
    const file = path.join(assetDir(json.Resources[functionIdOf(name)]), 'index.mjs')
    // Importing proves the require/__dirname banner works for the CommonJS code inside (no AWS call happens at import).
    // In a child process that records no coverage: the minified bundle's source maps would skew the report (childEnv).
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler)`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { env: childEnv({ PATH: process.env.PATH ?? '' }), encoding: 'utf8', timeout: 60_000 })
    t.equal(run.stdout, 'function', `${name} bundle exports handler${run.status === 0 ? '' : `: ${run.stderr.slice(-500)}`}`)
  }
  const apiFn = Object.values(apiTemplate.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Fastify API') } }))[0]!
  t.ok(existsSync(path.join(assetDir(apiFn), 'index.mjs')), 'API bundle built')
  t.ok(existsSync(path.join(assetDir(apiFn), 'static', 'swagger-ui-bundle.js')), 'swagger-ui static files copied')
})
