// Auth scenarios: bare Fastify vs an authenticated GET /me, with one repeated token and with a different token per
// request; once for authentication alone (auth-*) and once for the whole app (me-*).
import { onBenchEnd, reportJwksOf, startServers, type RunningServer, type Scenario } from './lib.js'
import { benchStack, TOKEN_CACHE_SIZE } from './stack.js'

/** Larger than the app's token cache, so cycling through the pool misses the LRU every time. */
const POOL_SIZE = 3000

interface Shared { bare: RunningServer, authOnly: RunningServer, tokens: string[] }
let shared: Promise<Shared> | undefined

function setupShared (): Promise<Shared> {
  shared ??= (async () => {
    const stack = await benchStack()
    const [bare, authOnly] = await startServers(
      [new URL('./servers/bare.ts', import.meta.url)],
      [new URL('./servers/auth.ts', import.meta.url), stack.env]
    ) as [RunningServer, RunningServer]
    onBenchEnd(() => bare.close())
    onBenchEnd(() => authOnly.close())
    reportJwksOf('auth-only', authOnly)
    const started = Date.now()
    const tokens = Array.from({ length: POOL_SIZE }, () => stack.token())
    console.log(`  signed ${POOL_SIZE} distinct RS256 tokens in ${Date.now() - started} ms`)
    return { bare, authOnly, tokens }
  })()
  return shared
}

interface Subject {
  prefix: string
  what: string
  /** The subject server and the bare route answering the same body. */
  pick: (s: Shared, app: RunningServer) => { server: RunningServer, path: string, baseline: string }
}

const subjects: Subject[] = [
  {
    prefix: 'auth',
    what: 'authentication alone (the auth and access-policy plugins on bare Fastify)',
    pick: s => ({ server: s.authOnly, path: '/me/token', baseline: `${s.bare.url}/me/token` })
  },
  {
    prefix: 'me',
    what: 'the whole app (auth, tenant from the membership cache, per-tenant rate limit, security headers)',
    pick: (s, app) => ({ server: app, path: '/me', baseline: `${s.bare.url}/me` })
  }
]

export const authScenarios: Scenario[] = subjects.flatMap(({ prefix, what, pick }): Scenario[] => [
  {
    name: `${prefix}-same-token`,
    description: `GET /me, ${what}; one Cognito-shaped RS256 access token repeated (verified-token cache hit), caller a tenant member`,
    target: 0.85,
    async setup () {
      const [stack, s] = await Promise.all([benchStack(), setupShared()])
      const { server, path, baseline } = pick(s, stack.app)
      const headers = { authorization: `Bearer ${s.tokens[0]}` }
      return {
        baseline: { label: 'bare Fastify /me', url: baseline, headers },
        subject: { label: `${prefix} /me`, url: server.url + path, headers },
        report: async () => [`JWKS requests by this server so far: ${await server.jwksFetches()}`]
      }
    }
  },
  {
    name: `${prefix}-distinct-tokens`,
    description: `GET /me, ${what}; a different valid token every request (${POOL_SIZE} tokens cycled, cache of ${TOKEN_CACHE_SIZE}: every request is a full RS256 verification)`,
    target: 0.45,
    async setup () {
      const [stack, s] = await Promise.all([benchStack(), setupShared()])
      const { server, path, baseline } = pick(s, stack.app)
      let i = 0
      // The same rotation on both sides, so the client-side cost is identical.
      const nextHeaders = () => ({ authorization: `Bearer ${s.tokens[i++ % s.tokens.length]}` })
      return {
        baseline: { label: 'bare Fastify /me', url: baseline, nextHeaders },
        subject: { label: `${prefix} /me`, url: server.url + path, nextHeaders },
        report: async () => [`JWKS requests by this server so far: ${await server.jwksFetches()}`]
      }
    }
  }
])
