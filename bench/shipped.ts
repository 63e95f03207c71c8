// GET /me measured as the app ships (issue 29, item 4): the compiled app with its defaults (helmet's headers, tenant
// resolution, the shared limits counted in the table, LOG_LEVEL=warn), a member's real access token from the local
// Cognito (cognito-local behind the shim, the seeded demo member), against bare Fastify answering the same body.
// Only the limits' ceilings are raised (one member at thousands of requests per second would measure 429s); the
// limiter still counts every request. New tokens: the real token's claims, each with its own `jti`, `iat` and
// `origin_jti`, signed with cognito-local's own key (what it would issue: its JWKS verifies them).
import { execFileSync } from 'node:child_process'
import { createPrivateKey, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { localCognitoClient } from '../src/local/clients.js'
import { signIn } from '../src/local/cognito-setup.js'
import { startLocalStack } from '../src/local/stack.js'
import { signJwt } from '../test/helpers/issuer.js'
import { once, onBenchEnd, serve, type Scenario } from './lib.js'

/** More than the shipped default TOKEN_CACHE_SIZE (10,000): cycling through them misses the cache every time. */
const POOL_SIZE = 12_000

const shipped = once(async () => {
  const started = Date.now()
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
  const work = mkdtempSync(join(tmpdir(), 'bench-shipped-'))
  const stack = await startLocalStack({ dataDir: join(work, 'local') })
  onBenchEnd(async () => { await stack.stop(); rmSync(work, { recursive: true, force: true }) })
  const member = stack.demo.users.find(u => u.role === 'member')
  if (member === undefined) throw new Error('the local stack seeded no member')
  const cognito = localCognitoClient(stack.cognitoShim.endpoint)
  const { accessToken } = await signIn(cognito, { clientId: stack.clientId, email: member.email, password: member.password })
  cognito.destroy()
  const env = { ...stack.env, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000', CALLER_RATE_LIMIT_MAX: '1000000' }
  const app = await serve('app-shipped', env)
  const res = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  if (res.status !== 200) throw new Error(`the shipped app answered GET /me with ${res.status}: ${await res.text()}`)
  const bare = await serve('bare-body', { BENCH_BODY: await res.text() })
  console.log(`  built, local stack up, member signed in, servers started in ${Date.now() - started} ms`)
  return { app, bare, accessToken }
})

const tokenPool = once(async () => {
  const { accessToken } = await shipped()
  const keyFile = join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/keys/cognitoLocal.private.json')
  const key = createPrivateKey({ key: (JSON.parse(readFileSync(keyFile, 'utf8')) as { jwk: Record<string, string> }).jwk, format: 'jwk' })
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
  const started = Date.now()
  const iat = Math.floor(Date.now() / 1000)
  const tokens = Array.from({ length: POOL_SIZE }, () =>
    signJwt({ alg: 'RS256', kid: 'CognitoLocal' }, { ...claims, jti: randomUUID(), origin_jti: randomUUID(), iat, auth_time: iat }, key))
  console.log(`  signed ${POOL_SIZE} distinct tokens with cognito-local's key in ${Date.now() - started} ms`)
  return tokens
})

export const shippedScenarios: Scenario[] = [
  {
    name: 'shipped-me-same-token',
    description: 'GET /me, the compiled app with its defaults at LOG_LEVEL=warn, a member\'s real token from the local Cognito, repeated',
    target: 0.65,
    async setup () {
      const { app, bare, accessToken } = await shipped()
      const headers = { authorization: `Bearer ${accessToken}` }
      return {
        baseline: { label: 'bare Fastify /me', urls: bare.urls.map(u => `${u}/me`), headers },
        subject: { label: 'shipped app /me', urls: app.urls.map(u => `${u}/me`), headers }
      }
    }
  },
  {
    name: 'shipped-me-distinct-tokens',
    description: `GET /me, the compiled app with its defaults at LOG_LEVEL=warn, a new token from the local Cognito's key every request (${POOL_SIZE} cycled, more than the default token cache)`,
    target: 0.35,
    async setup () {
      const [{ app, bare }, tokens] = await Promise.all([shipped(), tokenPool()])
      let i = 0
      const nextHeaders = () => ({ authorization: `Bearer ${tokens[i++ % tokens.length]}` })
      return {
        baseline: { label: 'bare Fastify /me', urls: bare.urls.map(u => `${u}/me`), nextHeaders },
        subject: { label: 'shipped app /me', urls: app.urls.map(u => `${u}/me`), nextHeaders }
      }
    }
  }
]
