// `npx cdk synth` through the real CLI, offline and without AWS credentials, then the synthesized API bundle served a request.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { childEnv } from '../../test/helpers/child-env.js'

t.setTimeout(240_000)
const infraDir = fileURLToPath(new URL('..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'cdk-out-'))
t.teardown(() => rmSync(out, { recursive: true, force: true }))

// The environment of a machine with no AWS account: no credentials, no profile, no region, no telemetry.
const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CDK_DISABLE_CLI_TELEMETRY: '1' }
// The web console's build (web/dist, from `npm run web:build`) is not made here: the app is pointed at the tests' stand-in.
const consoleBuild = join(infraDir, 'test', 'fixtures', 'console')
const synth = spawnSync('npx', ['cdk', 'synth', '-q', '-o', out, '-c', `consoleAssetPath=${consoleBuild}`], { cwd: infraDir, env: childEnv(env), encoding: 'utf8', timeout: 200_000 })

t.test('cdk synth succeeds offline with no credentials', async t => {
  t.equal(synth.status, 0, synth.status === 0 ? 'cdk synth exit 0' : synth.stderr.slice(-2000))
  const templates = readdirSync(out).filter(f => f.endsWith('.template.json')).sort()
  t.same(templates, ['SaasApp-dev-Api.template.json', 'SaasApp-dev-Stateful.template.json'])
})

t.test('without a web build, cdk synth fails and says to run npm run web:build', async t => {
  const missing = spawnSync('npx', ['cdk', 'synth', '-q', '-o', join(out, 'missing'), '-c', `consoleAssetPath=${join(consoleBuild, 'no-such-build')}`], { cwd: infraDir, env: childEnv(env), encoding: 'utf8', timeout: 200_000 })
  t.not(missing.status, 0)
  t.match(missing.stderr, /web console build is missing .*Run `npm run web:build`/)
  t.notOk(existsSync(join(out, 'missing', 'SaasApp-dev-Api.template.json')), 'no templates')
})

t.test('the synthesized API bundle is the real src/lambda.ts and answers through @fastify/aws-lambda', async t => {
  const template = JSON.parse(readFileSync(join(out, 'SaasApp-dev-Api.template.json'), 'utf8')) as { Resources: Record<string, { Type: string, Metadata?: Record<string, string> }> }
  // By its construct path: the console's bucket deployment brings a Lambda with the handler index.handler too.
  const fn = Object.values(template.Resources).find(r => r.Type === 'AWS::Lambda::Function' && /\/Api\/Handler\/Resource$/.test(r.Metadata?.['aws:cdk:path'] ?? ''))
  const assetPath = fn?.Metadata?.['aws:asset:path']
  t.ok(assetPath, 'the API function has a bundled asset')
  const dir = join(out, assetPath as string)
  t.ok(existsSync(join(dir, 'index.mjs')), 'ESM bundle')
  t.ok(existsSync(join(dir, 'static')), "swagger-ui's static files ship beside the bundle")

  // Run the bundle in its own node process, as Lambda would: what Lambda provides and the stack sets, and nothing of this
  // test process (its coverage hooks would otherwise map the bundle back onto the sources and skew the coverage report).
  const lambdaEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_LAMBDA_FUNCTION_NAME: 'synth-test',
    AUTH_MODE: 'apigateway',
    COGNITO_USER_POOL_ID: 'us-east-1_Synth1',
    COGNITO_CLIENT_IDS: 'client1',
    TABLE_NAME: 'saas-app-dev',
    LOG_LEVEL: 'silent',
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1'
  }
  const event = (path: string, claims?: Record<string, string>) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com' },
    requestContext: {
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'tap' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      timeEpoch: Date.now(),
      domainName: 'api.example.com',
      accountId: '1',
      apiId: 'a',
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {})
    },
    isBase64Encoded: false
  })
  const now = Math.floor(Date.now() / 1000)
  const events = [
    event('/health'),
    event('/docs/static/swagger-ui.css'),
    event('/me'),
    event('/me', {
      sub: 'u-1',
      username: 'u-1',
      client_id: 'client1',
      token_use: 'access',
      'cognito:groups': '[platform-admins]',
      scope: 'openid',
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Synth1',
      iat: String(now),
      exp: String(now + 3600)
    })
  ]
  const runner = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)})
    const out = []
    for (const e of ${JSON.stringify(events)}) { const r = await handler(e, {}); out.push({ statusCode: r.statusCode, body: r.body }) }
    process.stdout.write(JSON.stringify(out))`
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', runner], { env: childEnv(lambdaEnv), encoding: 'utf8', timeout: 60_000 })
  t.equal(run.status, 0, run.status === 0 ? 'the bundle ran' : run.stderr.slice(-2000))
  const [health, docs, anonymous, me] = JSON.parse(run.stdout) as Array<{ statusCode: number, body: string }>
  if (!health || !docs || !anonymous || !me) throw new Error('missing responses')
  t.equal(health.statusCode, 200)
  t.same(JSON.parse(health.body), { status: 'ok' })
  t.equal(docs.statusCode, 200, 'swagger-ui assets load from the bundle')
  t.equal(anonymous.statusCode, 401, 'no authorizer claims: no principal')
  // /me is tenant-optional: with DynamoDB unreachable the tenant is skipped, the principal comes from the claims.
  t.equal(me.statusCode, 200, me.body)
  // groups are the request tenant's, so none here; the platform role still opens platform routes (tenant: 'none').
  t.match(JSON.parse(me.body), { userId: 'u-1', groups: [], tenantId: null, tenants: [] })
})
