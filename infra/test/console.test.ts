// Assertions on the web console's hosting (bucket, CloudFront, headers, deployments, config.json) and its wiring to the
// Cognito client and the API, which share the stateless stack with it without any cycle.
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import t from 'tap'
import { Match } from 'aws-cdk-lib/assertions'
import { CONSOLE_FIXTURE, asList, findCycle, joinStacks, policyStatements, synthStage } from './fixtures/app.js'

// Synthesizing loads most of aws-cdk-lib; on a busy 2-core box that can pass tap's 30 s default.
t.setTimeout(240_000)

const dev = synthStage({}, { bundle: false })
const template = dev.apiTemplate
const json = template.toJSON()
const idOf = (type: string): string => {
  const ids = Object.keys(template.findResources(type))
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`)
  return ids[0]!
}
/** The console's bucket (it writes access logs) and the bucket of its access logs (log delivery writes to it). */
const bucketOf = (tmpl: typeof template, name: 'Bucket' | 'LogsBucket'): string => {
  const ids = Object.keys(tmpl.findResources('AWS::S3::Bucket', { Properties: name === 'Bucket' ? { LoggingConfiguration: Match.anyValue() } : { AccessControl: 'LogDeliveryWrite' } }))
  if (ids.length !== 1) throw new Error(`expected one ${name}, found ${ids.length}`)
  return ids[0]!
}
const policyOf = (tmpl: typeof template, bucket: string): Record<string, any> =>
  Object.values(tmpl.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucket } } }))[0]!
const bucketId = bucketOf(template, 'Bucket')
const logsBucketId = bucketOf(template, 'LogsBucket')
const distributionId = idOf('AWS::CloudFront::Distribution')
const clientId = idOf('AWS::Cognito::UserPoolClient')
const httpApiId = idOf('AWS::ApiGatewayV2::Api')
const distributionDomain = { 'Fn::GetAtt': [distributionId, 'DomainName'] }
const consoleOrigin = { 'Fn::Join': ['', ['https://', distributionDomain]] }
const consoleHome = { 'Fn::Join': ['', ['https://', distributionDomain, '/']] }
const apiEndpoint = { 'Fn::GetAtt': [httpApiId, 'ApiEndpoint'] }
const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(r => r.Properties as Record<string, any>)
const entryDeployment = deployments.find(d => d.DestinationBucketKeyPrefix === undefined)!
const assetsDeployment = deployments.find(d => d.DestinationBucketKeyPrefix === 'assets/')!

t.test('bucket: private, SSL only, S3-managed encryption, emptied and deleted with a dev stack', async t => {
  t.match(json.Resources[bucketId], {
    Properties: {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] }
    },
    DeletionPolicy: 'Delete'
  })
  template.resourceCountIs('Custom::S3AutoDeleteObjects', 2) // the console bucket and its logs bucket
})

t.test('bucket policy: only this distribution reads, through origin access control; no plain HTTP', async t => {
  const policy = policyOf(template, bucketId)
  const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>
  t.match(statements.find(s => s.Effect === 'Deny'), { Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }, 'enforceSSL')
  const allows = statements.filter(s => s.Effect === 'Allow')
  for (const s of allows) t.not(JSON.stringify(s.Principal), JSON.stringify({ AWS: '*' }), 'no public allow')
  const cloudfront = allows.filter(s => s.Principal?.Service === 'cloudfront.amazonaws.com')
  t.equal(cloudfront.length, 1)
  t.strictSame(cloudfront[0]!.Action, 's3:GetObject', 'read only')
  t.strictSame(cloudfront[0]!.Condition, {
    StringEquals: {
      'AWS:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]] }
    }
  }, 'only requests signed for this distribution')
  // Dev only: the auto-delete custom resource empties the bucket when the stack goes (prod has no such statement).
  t.strictSame(allows.filter(s => s !== cloudfront[0]).map(s => Object.keys(s.Principal.AWS)), [['Fn::GetAtt']])

  template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1)
  template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
    OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }
  })
  template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0)
  const origin = json.Resources[distributionId].Properties.DistributionConfig.Origins[0]
  t.strictSame(origin.DomainName, { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] })
  t.strictSame(origin.OriginAccessControlId, { 'Fn::GetAtt': [idOf('AWS::CloudFront::OriginAccessControl'), 'Id'] })
  t.equal(origin.S3OriginConfig.OriginAccessIdentity, '', 'no OAI')
})

t.test('access logs: the bucket\'s and the distribution\'s go to a private logs bucket that expires them', async t => {
  t.strictSame(json.Resources[bucketId].Properties.LoggingConfiguration, { DestinationBucketName: { Ref: logsBucketId }, LogFilePrefix: 's3/' }, 'S3 server access logs')
  t.strictSame(json.Resources[distributionId].Properties.DistributionConfig.Logging, { Bucket: { 'Fn::GetAtt': [logsBucketId, 'RegionalDomainName'] }, Prefix: 'cloudfront/' }, 'CloudFront standard logs')
  t.match(json.Resources[logsBucketId], {
    Properties: {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      // CloudFront's standard logging writes with an ACL grant: ACLs stay on, and the bucket owner owns the files.
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] }
    },
    DeletionPolicy: 'Delete'
  })
  t.match(policyOf(template, logsBucketId).Properties.PolicyDocument.Statement, [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }], 'SSL only')
})

t.test('distribution: index.html at /, HTTPS only, security headers, no SPA fallback', async t => {
  const config = json.Resources[distributionId].Properties.DistributionConfig
  t.equal(config.DefaultRootObject, 'index.html')
  t.equal(config.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https')
  t.strictSame(config.DefaultCacheBehavior.AllowedMethods, ['GET', 'HEAD'])
  t.strictSame(config.DefaultCacheBehavior.ResponseHeadersPolicyId, { Ref: idOf('AWS::CloudFront::ResponseHeadersPolicy') })
  t.equal(config.CustomErrorResponses, undefined, 'the console has no path router: a missing file is not index.html')
})

t.test('response headers: HSTS, nosniff, frame deny, no referrer, and a CSP naming the API only', async t => {
  const [policy] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))
  const headers = policy!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig
  t.match(headers, {
    StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
    ContentTypeOptions: { Override: true },
    FrameOptions: { FrameOption: 'DENY', Override: true },
    ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    ContentSecurityPolicy: { Override: true }
  })
  const parts = headers.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1] as unknown[]
  const csp = parts.map(p => typeof p === 'string' ? p : JSON.stringify(p)).join('')
  const directives = new Map(csp.split(/;\s*/).map(d => [d.split(' ')[0], d.split(' ').slice(1)]))
  t.strictSame(directives.get('default-src'), ["'self'"])
  t.strictSame(directives.get('frame-ancestors'), ["'none'"])
  t.strictSame(directives.get('object-src'), ["'none'"])
  t.strictSame(directives.get('connect-src'), ["'self'", JSON.stringify(apiEndpoint)], 'its own origin (the session) and the API; no Cognito endpoint: the API exchanges the code')
  t.notOk(csp.includes("'unsafe-inline'") || csp.includes("'unsafe-eval'") || / \*[ ;]|https:\/\/\*/.test(csp), 'no unsafe sources, no wildcards')
})

t.test('the session (/session*) goes to the HTTP API on the console\'s origin: uncached, every method, cookies and Origin forwarded', async t => {
  const config = json.Resources[distributionId].Properties.DistributionConfig
  t.equal(config.CacheBehaviors.length, 1, 'one behaviour besides the default')
  const behavior = config.CacheBehaviors[0]
  t.match(behavior, {
    PathPattern: '/session*',
    ViewerProtocolPolicy: 'https-only',
    AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
    OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader: cookies, Origin, all headers but Host
    Compress: false
  })
  t.equal(behavior.ResponseHeadersPolicyId, undefined, 'the API sends its own security headers')
  const origin = config.Origins.find((o: { Id: string }) => o.Id === behavior.TargetOriginId)
  t.strictSame(origin.DomainName, { 'Fn::Join': ['', [{ Ref: httpApiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }, 'the HTTP API\'s own domain')
  t.match(origin.CustomOriginConfig, { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] })
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Fastify API') } }))
  t.equal(fn!.Properties.Environment.Variables.SESSION_TTL_SECONDS, '2592000', 'the session lasts as long as the client\'s refresh tokens')
  template.hasResourceProperties('AWS::Cognito::UserPoolClient', { RefreshTokenValidity: 43200, TokenValidityUnits: Match.objectLike({ RefreshToken: 'minutes' }), EnableTokenRevocation: true })
})

t.test('deployments: hashed assets cached a year and kept; entry files revalidated, pruned and invalidated', async t => {
  t.equal(deployments.length, 2)
  t.match(assetsDeployment, { Prune: false, SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' }, DestinationBucketName: { Ref: bucketId } })
  t.equal(assetsDeployment.DistributionId, undefined, 'new hashed names need no invalidation')
  t.match(entryDeployment, {
    Prune: true,
    Exclude: ['assets/*'],
    SystemMetadata: { 'cache-control': 'no-cache' },
    DistributionId: { Ref: distributionId },
    DistributionPaths: ['/*'],
    DestinationBucketName: { Ref: bucketId }
  })
  const [entryId] = Object.keys(template.findResources('Custom::CDKBucketDeployment', { Properties: { DistributionId: Match.anyValue() } }))
  const [assetsId] = Object.keys(template.findResources('Custom::CDKBucketDeployment', { Properties: { DestinationBucketKeyPrefix: 'assets/' } }))
  t.ok([json.Resources[entryId!].DependsOn].flat().includes(assetsId), 'index.html goes live only after the assets it names')
})

t.test('the deployment handler writes the console bucket only (its CloudFront grant is the CDK\'s own)', async t => {
  const [handlerId] = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Layers: Match.anyValue() } }))
  const statements = policyStatements(template, json.Resources[handlerId!].Properties.Role['Fn::GetAtt'][0])
  const buckets = new Set(statements.flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r)))
  t.strictSame([...buckets].filter(r => r.includes('arn:')).length, 2, 'the asset bucket and its objects (read only)')
  t.ok(buckets.has(JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })))
  const writes = statements.filter(s => asList(s.Action).some(a => a.startsWith('s3:Put') || a.startsWith('s3:Delete')))
  t.strictSame(writes.flatMap(s => asList(s.Resource)), [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }])
  // BucketDeployment grants CreateInvalidation on every distribution and offers no way to narrow it.
  t.strictSame(statements.filter(s => s.Resource === '*').flatMap(s => asList(s.Action)).sort(), ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'])
})

t.test('config.json: the shape the console reads, with the deploy-time API URL, pool, client and URIs', async t => {
  // The second source of the entry deployment is Source.jsonData('config.json'); its tokens become markers, replaced
  // with SourceMarkers' values at deploy time.
  const key = String(entryDeployment.SourceObjectKeys[1]).replace(/\.zip$/, '')
  const file = path.join(dev.outdir, `asset.${key}`, 'config.json')
  t.ok(existsSync(file), 'config.json is staged')
  const markers = entryDeployment.SourceMarkers[1] as Record<string, unknown>
  const resolve = (value: string): string => value.replace(/<<marker:0xbaba:\d+>>/g, m => JSON.stringify(markers[m]))
  const config = Object.fromEntries(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>).map(([k, v]) => [k, resolve(v)]))
  t.strictSame(Object.keys(config).sort(), ['apiUrl', 'clientId', 'cognitoDomain', 'logoutUri', 'redirectUri', 'region', 'userPoolId'])
  const region = JSON.stringify({ Ref: 'AWS::Region' })
  t.equal(config.apiUrl, JSON.stringify(apiEndpoint))
  t.equal(config.clientId, JSON.stringify({ Ref: clientId }))
  t.match(config.userPoolId, /Fn::ImportValue.*SaasApp-dev-Stateful/, 'the pool id from the stateful stack')
  t.equal(config.region, region)
  t.equal(config.cognitoDomain, `https://saas-app-dev.auth.${region}.amazoncognito.com`)
  t.equal(config.redirectUri, `https://${JSON.stringify(distributionDomain)}/`)
  t.equal(config.logoutUri, config.redirectUri)
  t.equal(entryDeployment.SourceMarkersConfig[1].jsonEscape, true, 'values are JSON-escaped')
})

t.test('the build is deployed as it is: index.html at the root, assets/ under its prefix', async t => {
  const staged = (key: string): string => path.join(dev.outdir, `asset.${key.replace(/\.zip$/, '')}`)
  t.ok(existsSync(path.join(staged(entryDeployment.SourceObjectKeys[0]), 'index.html')))
  t.notOk(existsSync(path.join(staged(entryDeployment.SourceObjectKeys[0]), 'assets')), 'assets/ is the other deployment\'s')
  t.ok(existsSync(path.join(staged(assetsDeployment.SourceObjectKeys[0]), 'index-Fx7a1b2c.js')))
})

t.test('the API allows the console\'s origin (and the configured ones) in CORS_ORIGINS', async t => {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Fastify API') } }))
  t.strictSame(fn!.Properties.Environment.Variables.CORS_ORIGINS, { 'Fn::Join': ['', ['https://', distributionDomain, ',http://localhost:5173']] })
  t.strictSame(consoleOrigin['Fn::Join'][1], ['https://', distributionDomain], 'an origin: no trailing slash')
})

t.test('the web client redirects to the console and to the configured URLs; code grant with PKCE, no secret', async t => {
  template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
    CallbackURLs: [consoleHome, 'http://localhost:5173/'],
    LogoutURLs: [consoleHome, 'http://localhost:5173/'],
    GenerateSecret: false,
    AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    ExplicitAuthFlows: Match.arrayWith(['ALLOW_REFRESH_TOKEN_AUTH'])
  })
  template.hasOutput('ConsoleUrl', { Value: consoleHome })
  t.pass('client URLs match')
})

t.test('no cycles: within the stateless stack, and across both stacks through their exports', async t => {
  t.equal(findCycle(json), undefined)
  const joined = joinStacks({ Stateful: dev.statefulTemplate.toJSON(), Api: json })
  t.ok(Object.keys(joined.Resources).length > Object.keys(json.Resources).length)
  t.equal(findCycle(joined), undefined)
  t.notOk(JSON.stringify(dev.statefulTemplate.toJSON()).includes('Fn::ImportValue'), 'the stateful stack imports nothing')
  t.strictSame(dev.api.dependencies, [dev.stateful])
  t.strictSame(dev.stateful.dependencies, [])
})

t.test('the cross-stack cycle check sees a cycle through an import', async t => {
  const joined = joinStacks({
    A: { Resources: { X: { Properties: { V: { 'Fn::ImportValue': 'B:Y' } } } }, Outputs: { O: { Value: { Ref: 'X' }, Export: { Name: 'A:X' } } } },
    B: { Resources: { Y: { Properties: { V: { 'Fn::ImportValue': 'A:X' } } } }, Outputs: { O: { Value: { 'Fn::GetAtt': ['Y', 'Arn'] }, Export: { Name: 'B:Y' } } } }
  })
  t.ok(findCycle(joined))
})

t.test('prod keeps the bucket on a stack delete and does not empty it', async t => {
  const prod = synthStage({ stage: 'prod' }, { bundle: false }).apiTemplate
  const prodJson = prod.toJSON()
  for (const name of ['Bucket', 'LogsBucket'] as const) t.match(prodJson.Resources[bucketOf(prod, name)], { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }, `${name} retained`)
  prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0)
  t.match(prodJson.Resources[bucketOf(prod, 'LogsBucket')].Properties.LifecycleConfiguration.Rules, [{ ExpirationInDays: 90 }], 'prod keeps access logs 90 days')
  const policy = policyOf(prod, bucketOf(prod, 'Bucket'))
  const allows = (policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>).filter(s => s.Effect === 'Allow')
  t.strictSame(allows.map(s => s.Principal), [{ Service: 'cloudfront.amazonaws.com' }], 'the distribution is the only reader')
})

t.test('a missing web build fails synth and says what to run', async t => {
  const missing = path.join(CONSOLE_FIXTURE, 'no-such-build')
  t.throws(() => synthStage({ consoleAssetPath: missing }, { bundle: false }), { message: /web console build is missing.*no-such-build.*npm run web:build/ })
  t.throws(() => synthStage({ consoleAssetPath: path.join(CONSOLE_FIXTURE, 'assets') }, { bundle: false }), { message: /index\.html and assets\/ not found/ }, 'a folder without index.html is no build')
})
