// Auth scenarios: bare Fastify vs the authenticated GET /me, with one repeated token and with a different token per request.
import { startIssuer, type TestIssuer } from '../test/helpers/issuer.js'
import { onBenchEnd, startServer, type RunningServer, type Scenario } from './lib.js'

/** The subject's token cache is smaller than the token pool, so cycling through the pool misses the LRU every time. */
const CACHE_SIZE = 2000
const POOL_SIZE = 3000

interface Shared { issuer: TestIssuer, bare: RunningServer, app: RunningServer, tokens: string[] }
let shared: Promise<Shared> | undefined

/** One mock JWKS, one bare server and one app server for every auth scenario: the JWKS count covers the whole run. */
function setupShared (): Promise<Shared> {
  shared ??= (async () => {
    const issuer = await startIssuer({ clientId: 'bench-client' })
    const env = {
      COGNITO_USER_POOL_ID: 'us-east-1_TestPool1', COGNITO_CLIENT_IDS: 'bench-client', COGNITO_ISSUER: issuer.issuer,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', TABLE_NAME: 'bench-table', LOG_LEVEL: 'silent', TOKEN_CACHE_SIZE: String(CACHE_SIZE)
    }
    const [bare, app] = await Promise.all([startServer(new URL('./servers/bare.ts', import.meta.url)), startServer(new URL('./servers/app.ts', import.meta.url), env)])
    const started = Date.now()
    const tokens = Array.from({ length: POOL_SIZE }, () => issuer.sign(issuer.accessClaims()))
    console.log(`  signed ${POOL_SIZE} distinct RS256 tokens in ${Date.now() - started} ms`)
    onBenchEnd(async () => { await Promise.all([bare.close(), app.close()]); await issuer.close() })
    return { issuer, bare, app, tokens }
  })()
  return shared
}

export const jwksRequests = async () => shared ? (await shared).issuer.requests : 0

export const authScenarios: Scenario[] = [
  {
    name: 'me-same-token',
    description: 'GET /me, one Cognito-shaped RS256 access token repeated (verified-token cache hit)',
    target: 0.85,
    async setup () {
      const s = await setupShared()
      const headers = { authorization: `Bearer ${s.tokens[0]}` }
      return {
        baseline: { label: 'bare Fastify /me', url: `${s.bare.url}/me`, headers },
        subject: { label: 'app /me', url: `${s.app.url}/me`, headers },
        report: () => [`JWKS requests so far: ${s.issuer.requests}`]
      }
    }
  },
  {
    name: 'me-distinct-tokens',
    description: `GET /me, a different valid token every request (${POOL_SIZE} tokens cycled, cache of ${CACHE_SIZE}: every request is a full RS256 verification)`,
    target: 0.45,
    async setup () {
      const s = await setupShared()
      let i = 0
      // The same rotation on both sides, so the client-side cost is identical.
      const nextHeaders = () => ({ authorization: `Bearer ${s.tokens[i++ % s.tokens.length]}` })
      return {
        baseline: { label: 'bare Fastify /me', url: `${s.bare.url}/me`, nextHeaders },
        subject: { label: 'app /me', url: `${s.app.url}/me`, nextHeaders },
        report: () => [`JWKS requests so far: ${s.issuer.requests}`]
      }
    }
  }
]
