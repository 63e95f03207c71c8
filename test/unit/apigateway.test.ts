import t from 'tap'
import { spawnSync } from 'node:child_process'
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda'
import { buildApp } from '../../src/app.js'
import { loadConfig, ConfigError } from '../../src/config.js'
import { parseGroupsClaim, principalFromApiGatewayClaims } from '../../src/auth/claims.js'
import { baseEnv } from '../helpers/build.js'
import { childEnv } from '../helpers/child-env.js'

const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1'
const rules = { issuers: [issuer], clientIds: ['client-one', 'client-two'], acceptIdTokens: false }
const nowS = () => Math.floor(Date.now() / 1000)

/** Claims as an HTTP API JWT authorizer passes them: every value a string, groups as one bracketed string. */
const authorizerClaims = (overrides: Record<string, string | undefined> = {}) => {
  const c: Record<string, string> = {
    sub: 'user-123',
    'cognito:groups': '[admins members]',
    iss: issuer,
    client_id: 'client-one',
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: String(nowS()),
    exp: String(nowS() + 3600),
    iat: String(nowS()),
    jti: 'j',
    username: 'alice@example.com',
    version: '2'
  }
  for (const [k, v] of Object.entries(overrides)) { if (v === undefined) delete c[k]; else c[k] = v }
  return c
}

function event (claims?: Record<string, string>, headers: Record<string, string> = {}, path = '/me'): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'user-agent': 'test', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `GET ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
      authorizer: claims ? { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } : undefined as never
    },
    isBase64Encoded: false
  }
}

t.test('the bracketed groups string becomes a list', async t => {
  t.same(parseGroupsClaim('[admins members]'), ['admins', 'members'])
  t.same(parseGroupsClaim('[admins]'), ['admins'])
  t.same(parseGroupsClaim('[]'), [])
  t.same(parseGroupsClaim('admins'), ['admins'])
  t.same(parseGroupsClaim(['a', 'b']), ['a', 'b'])
  t.equal(parseGroupsClaim(undefined), undefined)
  const p = principalFromApiGatewayClaims(authorizerClaims(), rules, Date.now(), 0)
  t.same(p, {
    userId: 'user-123',
    username: 'alice@example.com',
    clientId: 'client-one',
    tokenUse: 'access',
    groups: ['admins', 'members'],
    scopes: ['aws.cognito.signin.user.admin'],
    issuedAt: Number(authorizerClaims().iat),
    expiresAt: Number(authorizerClaims().exp)
  })
  t.ok(Object.isFrozen(p) && Object.isFrozen(p.groups))
})

t.test('defense in depth: the same claim rules apply to authorizer claims', async t => {
  const bad: Record<string, Record<string, string | undefined>> = {
    'id token': { token_use: 'id', aud: 'client-one', client_id: undefined },
    'client not allowed': { client_id: 'other' },
    'no sub': { sub: undefined },
    'other issuer': { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' },
    expired: { exp: String(nowS() - 120) },
    'no exp': { exp: undefined }
  }
  for (const [name, o] of Object.entries(bad)) {
    t.throws(() => principalFromApiGatewayClaims(authorizerClaims(o), rules, Date.now(), 5000), { name: 'ClaimsError' }, name)
  }
})

t.test('AUTH_MODE=apigateway is refused outside Lambda', async t => {
  t.throws(() => loadConfig({ ...baseEnv, AUTH_MODE: 'apigateway' }), new ConfigError('Configuration error: AUTH_MODE=apigateway is only allowed inside AWS Lambda (AWS_LAMBDA_FUNCTION_NAME is not set)'))
  // A hand-built config cannot slip past the plugin either.
  const forced = { ...loadConfig(baseEnv), AUTH_MODE: 'apigateway' as const }
  await t.rejects(buildApp(forced).then(app => app.ready()), { message: /only allowed inside AWS Lambda/ })

  for (const extra of [{}, { AWS_LAMBDA_FUNCTION_NAME: 'pretend' }] as Array<Record<string, string>>) {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...baseEnv, AUTH_MODE: 'apigateway', ...extra }
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: childEnv(env), encoding: 'utf8', timeout: 30_000 })
    t.equal(r.status, 1)
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    t.match(r.stderr, /^Configuration error: AUTH_MODE=apigateway is /)
  }
})

t.test('src/lambda.ts: the handler reads the authorizer claims from the event', async t => {
  Object.assign(process.env, { ...baseEnv, AUTH_MODE: 'apigateway', AWS_LAMBDA_FUNCTION_NAME: 'api-test' })
  const { handler } = await import('../../src/lambda.js')
  const context = { awsRequestId: 'ctx-1' } as Context

  const ok = await handler(event(authorizerClaims()), context)
  t.equal(ok.statusCode, 200)
  t.same(JSON.parse(ok.body), { userId: 'user-123', username: 'alice@example.com', email: null, tenantId: null, groups: [], scopes: ['aws.cognito.signin.user.admin'], tenants: [], platformRoles: [] })

  const none = await handler(event(undefined), context)
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="api"')

  // Client-controlled copies of the event in headers are never trusted.
  const spoof = encodeURIComponent(JSON.stringify(event(authorizerClaims())))
  const spoofed = await handler(event(undefined, { 'x-apigateway-event': spoof, authorization: 'Bearer x.y.z' }), context)
  t.equal(spoofed.statusCode, 401)

  const idToken = await handler(event(authorizerClaims({ token_use: 'id', aud: 'client-one' })), context)
  t.equal(idToken.statusCode, 401)
  t.equal(idToken.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token"')
  t.equal((await handler(event(authorizerClaims({ client_id: 'other' })), context)).statusCode, 401)

  const ready = await handler(event(undefined, {}, '/health'), context)
  t.equal(ready.statusCode, 200)
})
