import t from 'tap'
import { spawnSync } from 'node:child_process'
import { loadConfig, ConfigError } from '../../src/config.js'
import { awsClientOptions, isLocalEndpoint } from '../../src/aws.js'
import { childEnv } from '../helpers/child-env.js'

const required = { COGNITO_USER_POOL_ID: 'eu-west-1_AbC123', COGNITO_CLIENT_IDS: 'a1,b2' }

t.test('defaults and derived values', async t => {
  const c = loadConfig(required)
  t.equal(c.PORT, 3000)
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.LOG_LEVEL, 'info')
  t.equal(c.AWS_REGION, 'us-east-1')
  t.equal(c.TABLE_NAME, 'saas-app')
  t.equal(c.AUTH_MODE, 'jwt')
  t.equal(c.ACCEPT_ID_TOKENS, false)
  t.same(c.cognitoClientIds, ['a1', 'b2'])
  t.same(c.cognitoIssuers, ['https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123'])
  t.same(c.corsOrigins, [])
})

t.test('values are converted and lists split', async t => {
  const c = loadConfig({ ...required, PORT: '8080', ACCEPT_ID_TOKENS: 'true', COGNITO_ISSUER: 'http://localhost:9229/p1/, https://x.example/p2', CORS_ORIGINS: 'https://app.example.com' })
  t.equal(c.PORT, 8080)
  t.equal(c.ACCEPT_ID_TOKENS, true)
  t.same(c.cognitoIssuers, ['http://localhost:9229/p1', 'https://x.example/p2'])
  t.same(c.corsOrigins, ['https://app.example.com'])
})

t.test('a missing or bad value names the variable', async t => {
  t.throws(() => loadConfig({ COGNITO_CLIENT_IDS: 'a' }), new ConfigError('Configuration error: COGNITO_USER_POOL_ID is required'))
  t.throws(() => loadConfig({ ...required, PORT: 'eighty' }), { message: /PORT is invalid/ })
  t.throws(() => loadConfig({ ...required, JWT_CLOCK_TOLERANCE_SECONDS: '600' }), { message: /JWT_CLOCK_TOLERANCE_SECONDS/ })
  t.throws(() => loadConfig({ ...required, AUTH_MODE: 'none' }), { message: /AUTH_MODE/ })
  t.throws(() => loadConfig({ ...required, COGNITO_CLIENT_IDS: 'a,,b' }), { message: /COGNITO_CLIENT_IDS/ })
  t.throws(() => loadConfig({ ...required, COGNITO_ISSUER: 'http://idp.example.com/p1' }), { message: /COGNITO_ISSUER must use https except on localhost/ })
  t.equal(loadConfig({ ...required, COGNITO_ISSUER: 'http://127.0.0.1:9229/p1' }).cognitoIssuers[0], 'http://127.0.0.1:9229/p1')
})

t.test('MAIL_INBOX_FILE (the dev stack\'s inbox) is refused inside Lambda', async t => {
  t.throws(() => loadConfig({ ...required, MAIL_INBOX_FILE: '/tmp/inbox.jsonl', AWS_LAMBDA_FUNCTION_NAME: 'api' }), /MAIL_INBOX_FILE is for local development only/)
  t.equal(loadConfig({ ...required, MAIL_INBOX_FILE: '/tmp/inbox.jsonl' }).MAIL_INBOX_FILE, '/tmp/inbox.jsonl')
  t.throws(() => loadConfig({ ...required, MAIL_FROM: 'not an address' }), /MAIL_FROM is invalid/)
})

t.test('local endpoints get dummy credentials only when none are configured', async t => {
  const c = loadConfig(required)
  t.ok(isLocalEndpoint('http://localhost:8000'))
  t.notOk(isLocalEndpoint('https://dynamodb.us-east-1.amazonaws.com'))
  t.same(awsClientOptions(c, 'http://127.0.0.1:8000', {}).credentials, { accessKeyId: 'local', secretAccessKey: 'local' })
  t.equal(awsClientOptions(c, 'http://127.0.0.1:8000', { AWS_PROFILE: 'dev' }).credentials, undefined)
  t.equal(awsClientOptions(c, 'https://dynamodb.eu-west-1.amazonaws.com', {}).credentials, undefined)
  t.equal(awsClientOptions(c, undefined, {}).endpoint, undefined)
})

t.test('the server exits non-zero with one line when COGNITO_USER_POOL_ID is missing', async t => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', COGNITO_CLIENT_IDS: 'a' }
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: childEnv(env), encoding: 'utf8', timeout: 30_000 })
  t.equal(r.status, 1)
  t.equal(r.stderr.trim(), 'Configuration error: COGNITO_USER_POOL_ID is required')
})

t.test('TRUST_PROXY: off by default; a hop count or addresses and CIDRs, never "trust everything"', async t => {
  t.equal(loadConfig(required).trustProxy, false)
  t.equal(loadConfig({ ...required, TRUST_PROXY: '0' }).trustProxy, false)
  t.equal(loadConfig({ ...required, TRUST_PROXY: '1' }).trustProxy, 1)
  t.same(loadConfig({ ...required, TRUST_PROXY: '10.0.0.0/16, 192.0.2.1,2001:db8::/32,loopback' }).trustProxy, ['10.0.0.0/16', '192.0.2.1', '2001:db8::/32', 'loopback'])
  for (const bad of ['true', '*', '10.0.0.0/33', '2001:db8::/129', '300.1.1.1', '10.0.0.0/8,', 'example.com', '100']) {
    t.throws(() => loadConfig({ ...required, TRUST_PROXY: bad }), ConfigError, bad)
    t.throws(() => loadConfig({ ...required, TRUST_PROXY: bad }), { message: /TRUST_PROXY/ }, bad)
  }
})
