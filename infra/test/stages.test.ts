// Stage and feature settings read from CDK context: dev vs prod, passwordless, callback URLs, CORS origins, the console
// build's path, and bad values refused.
import t from 'tap'
import { App } from 'aws-cdk-lib'
import { readStageConfig } from '../lib/config.js'
import { repoPath } from '../lib/repo-path.js'
import { synthStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib (and bundles with esbuild); on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

// Names and flags only: no bundling needed.
const dev = synthStage({}, { bundle: false })
const prod = synthStage({ stage: 'prod' }, { bundle: false })
const passwordless = synthStage({ passwordless: 'true' }, { bundle: false }) // -c passwordless=true arrives as a string

/** The API, the console and the web client are in the stateless stack; the rest in the stateful one. */
const STATELESS = /ApiGatewayV2|UserPoolClient|CloudFront/
const props = (synthed: typeof dev, type: string): Record<string, any> => {
  const stack = STATELESS.test(type) ? synthed.apiTemplate : synthed.statefulTemplate
  return Object.values(stack.findResources(type))[0]!.Properties
}

t.test('default stage is dev', async t => {
  t.equal(dev.config.stage, 'dev')
  t.equal(dev.stateful.stackName, 'SaasApp-dev-Stateful')
  t.equal(dev.api.stackName, 'SaasApp-dev-Api')
})

t.test('dev and prod differ by name, not by copy-pasted stacks', async t => {
  t.equal(prod.stateful.stackName, 'SaasApp-prod-Stateful')
  t.equal(prod.api.stackName, 'SaasApp-prod-Api')
  for (const [type, key] of [['AWS::Cognito::UserPool', 'UserPoolName'], ['AWS::DynamoDB::Table', 'TableName'], ['AWS::Cognito::UserPoolDomain', 'Domain'], ['AWS::Cognito::UserPoolClient', 'ClientName'], ['AWS::ApiGatewayV2::Api', 'Name']] as const) {
    t.not(props(dev, type)[key], props(prod, type)[key], `${type} ${key} differs`)
    t.match(props(prod, type)[key], /prod/)
  }
  t.equal(props(dev, 'AWS::DynamoDB::Table').TableName, 'saas-app-dev', 'the deployed table names stay as they are')
  t.equal(props(prod, 'AWS::DynamoDB::Table').TableName, 'saas-app-prod')
  t.strictSame(props(prod, 'AWS::Cognito::UserPoolClient').CallbackURLs.slice(1), ['https://app.example.com/auth/callback'], 'after the console\'s own')
  t.match(props(prod, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig.Comment, /prod/)
  t.equal(prod.stateful.terminationProtection, true, 'prod stateful stack has termination protection')
  t.equal(dev.stateful.terminationProtection, false)
})

t.test('passwordless on: email OTP as a first factor, USER_AUTH flow on the client', async t => {
  t.strictSame(props(passwordless, 'AWS::Cognito::UserPool').Policies.SignInPolicy, { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] })
  t.ok(props(passwordless, 'AWS::Cognito::UserPoolClient').ExplicitAuthFlows.includes('ALLOW_USER_AUTH'))
  t.equal(props(dev, 'AWS::Cognito::UserPool').Policies.SignInPolicy, undefined, 'off by default')
  t.notOk(props(dev, 'AWS::Cognito::UserPoolClient').ExplicitAuthFlows.includes('ALLOW_USER_AUTH'))
})

t.test('stage throttling follows context', async t => {
  const throttled = synthStage({ throttleRateLimit: '25', throttleBurstLimit: '50' }, { bundle: false })
  t.strictSame(props(throttled, 'AWS::ApiGatewayV2::Stage').DefaultRouteSettings, { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 })
})

t.test('context overrides and validation', async t => {
  const config = (context: Record<string, unknown>) => readStageConfig(new App({ context: { callbackUrls: 'http://localhost:3000/cb', logoutUrls: 'http://localhost:3000/', ...context } }).node)
  t.strictSame(config({ callbackUrls: 'https://a.example/cb,https://b.example/cb' }).callbackUrls, ['https://a.example/cb', 'https://b.example/cb'], '-c lists are comma-separated')
  t.strictSame(config({ logoutUrls: 'https://a.example/,https://b.example/bye' }).logoutUrls, ['https://a.example/', 'https://b.example/bye'], '-c logoutUrls too')
  t.throws(() => config({ logoutUrls: 'http://app.example.com/' }), /must use https/)
  t.equal(config({ domainPrefix: 'acme-login' }).domainPrefix, 'acme-login')
  t.equal(config({}).domainPrefix, 'saas-app-dev', 'domain prefix defaults to the stage prefix')
  t.equal(config({ passwordless: 'false' }).passwordless, false)
  t.throws(() => config({ stage: 'staging' }), /stage must be one of dev, prod/)
  t.throws(() => config({ callbackUrls: 'http://app.example.com/cb' }), /must use https/)
  t.throws(() => config({ callbackUrls: ',' }), /callbackUrls must be a non-empty list/, '-c callbackUrls=, is no list of URLs')
  t.throws(() => config({ callbackUrls: '' }), /callbackUrls must be a non-empty list/, '-c callbackUrls= neither')
  t.throws(() => config({ logoutUrls: ' , ' }), /logoutUrls must be a non-empty list/, 'blanks only')
  t.throws(() => config({ callbackUrls: [] }), /callbackUrls must be a non-empty list/, 'an empty JSON array')
  t.throws(() => config({ callbackUrls: [' '] }), /callbackUrls must be a non-empty list/, 'a JSON array of blanks')
  t.throws(() => config({ passwordless: 'yes' }), /passwordless must be true or false/)
  t.strictSame(config({}).throttle, { rateLimit: 100, burstLimit: 200 }, 'stage throttle defaults')
  t.strictSame(config({ throttleRateLimit: '50', throttleBurstLimit: '80' }).throttle, { rateLimit: 50, burstLimit: 80 }, '-c throttle values')
  t.strictSame(config({ stages: { dev: { throttleRateLimit: 20.5, throttleBurstLimit: 40 } } }).throttle, { rateLimit: 20.5, burstLimit: 40 }, 'per-stage values in cdk.json')
  t.throws(() => config({ throttleRateLimit: '0' }), /throttleRateLimit must be a positive number/)
  t.throws(() => config({ throttleBurstLimit: '1.5' }), /throttleBurstLimit must be a positive integer/)
  t.throws(() => config({ throttleBurstLimit: 'lots' }), /throttleBurstLimit must be a positive integer/)
  t.strictSame(config({}).corsOrigins, [], 'no extra CORS origins unless configured (the console\'s own is added by the stack)')
  t.strictSame(config({ corsOrigins: 'http://localhost:5173,https://admin.example.com' }).corsOrigins, ['http://localhost:5173', 'https://admin.example.com'])
  t.strictSame(config({ corsOrigins: [] }).corsOrigins, [], 'an empty JSON array is no origin')
  t.throws(() => config({ corsOrigins: 'http://admin.example.com' }), /corsOrigins: .* must use https/)
  t.throws(() => config({ corsOrigins: 'https://admin.example.com/' }), /must be an origin/, 'an origin has no trailing slash')
  t.throws(() => config({ corsOrigins: 'https://admin.example.com/app' }), /must be an origin/)
  t.equal(config({}).consoleAssetPath, repoPath('web', 'dist'), 'the console build defaults to web/dist')
  t.equal(config({ consoleAssetPath: 'infra/test/fixtures/console' }).consoleAssetPath, repoPath('infra', 'test', 'fixtures', 'console'), 'relative to the repository root')
  t.equal(config({ consoleAssetPath: '/tmp/build' }).consoleAssetPath, '/tmp/build')
})

t.test('threat protection: off by default (Essentials); audit or enforced moves the pool to the Plus plan', async t => {
  t.equal(props(dev, 'AWS::Cognito::UserPool').UserPoolTier, 'ESSENTIALS')
  t.equal(props(dev, 'AWS::Cognito::UserPool').UserPoolAddOns, undefined, 'no threat protection')
  t.equal(props(prod, 'AWS::Cognito::UserPool').UserPoolTier, 'ESSENTIALS', 'prod too unless configured: Plus is a pricing decision')
  for (const [mode, rendered] of [['audit', 'AUDIT'], ['enforced', 'ENFORCED']] as const) {
    const pool = props(synthStage({ threatProtection: mode }, { bundle: false }), 'AWS::Cognito::UserPool')
    t.equal(pool.UserPoolTier, 'PLUS', `${mode}: Plus plan`)
    t.strictSame(pool.UserPoolAddOns, { AdvancedSecurityMode: rendered }, `${mode}: ${rendered}`)
  }
})

t.test('mail: Cognito\'s default sender unless sesFromAddress is set; then SES from the verified identity', async t => {
  t.equal(props(dev, 'AWS::Cognito::UserPool').EmailConfiguration, undefined, 'default sender')
  t.equal(props(prod, 'AWS::Cognito::UserPool').EmailConfiguration, undefined)
  const address = props(synthStage({ sesFromAddress: 'no-reply@acme.example', sesRegion: 'eu-west-1' }, { bundle: false }), 'AWS::Cognito::UserPool')
  t.strictSame(address.EmailConfiguration, {
    EmailSendingAccount: 'DEVELOPER',
    From: 'no-reply@acme.example',
    SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:', { Ref: 'AWS::AccountId' }, ':identity/no-reply@acme.example']] }
  }, 'the address is the identity')
  const domain = props(synthStage({ sesFromAddress: 'no-reply@acme.example', sesFromName: 'Acme', sesVerifiedDomain: 'acme.example', sesConfigurationSet: 'cognito-mail', sesRegion: 'eu-west-1', stage: 'prod' }, { bundle: false }), 'AWS::Cognito::UserPool')
  t.strictSame(domain.EmailConfiguration, {
    EmailSendingAccount: 'DEVELOPER',
    From: 'Acme <no-reply@acme.example>',
    ConfigurationSet: 'cognito-mail',
    SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:', { Ref: 'AWS::AccountId' }, ':identity/acme.example']] }
  }, 'a verified domain is the identity, with a name and a configuration set')
  t.throws(() => synthStage({ sesFromAddress: 'no-reply@acme.example' }, { bundle: false }), /set sesRegion, or synthesize with a region/, 'no region to name the identity in')
})

t.test('threat protection and SES settings are validated', async t => {
  const config = (context: Record<string, unknown>) => readStageConfig(new App({ context: { callbackUrls: 'http://localhost:3000/cb', logoutUrls: 'http://localhost:3000/', ...context } }).node)
  t.equal(config({}).threatProtection, 'off')
  t.equal(config({ threatProtection: 'enforced' }).threatProtection, 'enforced')
  t.throws(() => config({ threatProtection: 'on' }), /threatProtection must be one of off, audit, enforced/)
  t.equal(config({}).ses, undefined, 'no SES unless configured')
  t.strictSame(config({ sesFromAddress: ' no-reply@acme.example ' }).ses, { fromAddress: 'no-reply@acme.example' })
  t.strictSame(config({ stages: { dev: { sesFromAddress: 'a@acme.example', sesVerifiedDomain: 'ACME.example', sesRegion: 'us-east-1' } } }).ses,
    { fromAddress: 'a@acme.example', verifiedDomain: 'acme.example', region: 'us-east-1' }, 'per-stage values in cdk.json')
  t.throws(() => config({ sesFromAddress: 'acme.example' }), /sesFromAddress must be an email address/)
  t.throws(() => config({ sesFromAddress: '' }), /sesFromAddress must not be empty/)
  t.throws(() => config({ sesFromAddress: 'a@mail.acme.example', sesVerifiedDomain: 'acme.example' }), /is not in sesVerifiedDomain acme\.example/)
  t.throws(() => config({ sesConfigurationSet: 'cs', sesRegion: 'eu-west-1' }), /sesConfigurationSet, sesRegion need sesFromAddress/, 'SES details without a sender are a mistake')
})
