// Auth scenarios: bare Fastify vs the authenticated GET /me, with one repeated token and with a different token per request.
import { onBenchEnd, startServer, type RunningServer, type Scenario } from './lib.js'
import { benchStack, TOKEN_CACHE_SIZE } from './stack.js'

/** Larger than the app's token cache, so cycling through the pool misses the LRU every time. */
const POOL_SIZE = 3000

interface Shared { bare: RunningServer, tokens: string[] }
let shared: Promise<Shared> | undefined

function setupShared (): Promise<Shared> {
  shared ??= (async () => {
    const stack = await benchStack()
    const bare = await startServer(new URL('./servers/bare.ts', import.meta.url))
    onBenchEnd(() => bare.close())
    const started = Date.now()
    const tokens = Array.from({ length: POOL_SIZE }, () => stack.token())
    console.log(`  signed ${POOL_SIZE} distinct RS256 tokens in ${Date.now() - started} ms`)
    return { bare, tokens }
  })()
  return shared
}

export const authScenarios: Scenario[] = [
  {
    name: 'me-same-token',
    description: 'GET /me, one Cognito-shaped RS256 access token repeated (verified-token cache hit), caller a tenant member',
    target: 0.85,
    async setup () {
      const [stack, s] = await Promise.all([benchStack(), setupShared()])
      const headers = { authorization: `Bearer ${s.tokens[0]}` }
      return {
        baseline: { label: 'bare Fastify /me', url: `${s.bare.url}/me`, headers },
        subject: { label: 'app /me', url: `${stack.app.url}/me`, headers },
        report: () => [`JWKS requests so far: ${stack.issuer.requests}`]
      }
    }
  },
  {
    name: 'me-distinct-tokens',
    description: `GET /me, a different valid token every request (${POOL_SIZE} tokens cycled, cache of ${TOKEN_CACHE_SIZE}: every request is a full RS256 verification)`,
    target: 0.45,
    async setup () {
      const [stack, s] = await Promise.all([benchStack(), setupShared()])
      let i = 0
      // The same rotation on both sides, so the client-side cost is identical.
      const nextHeaders = () => ({ authorization: `Bearer ${s.tokens[i++ % s.tokens.length]}` })
      return {
        baseline: { label: 'bare Fastify /me', url: `${s.bare.url}/me`, nextHeaders },
        subject: { label: 'app /me', url: `${stack.app.url}/me`, nextHeaders },
        report: () => [`JWKS requests so far: ${stack.issuer.requests}`]
      }
    }
  }
]
