// Auth scenarios: bare Fastify vs an authenticated GET /me, with one repeated token and with a different token per
// request; once for authentication alone (auth-*) and once for the whole app (me-*). auth-headers-same-token is
// authentication plus the security headers the app must send (the orders issue asks for helmet's), and nothing else:
// what the whole app's same-token ratio can reach at best.
import { once, reportJwksOf, serve, type RunningServer, type Scenario } from './lib.js'
import { benchIssuer, benchStack, TOKEN_CACHE_SIZE } from './stack.js'

/** Larger than the servers' token cache (TOKEN_CACHE_SIZE), so cycling through the pool misses the LRU every time. */
const POOL_SIZE = 3000

const bare = once(() => serve('bare'))
/** Needs only the issuer: `npm run bench -- auth` starts neither DynamoDB Local nor the app. */
const authOnly = once(async () => {
  const server = await serve('auth', (await benchIssuer()).env)
  reportJwksOf('auth-only', server)
  return server
})
const authHeaders = once(async () => {
  const server = await serve('auth', { ...(await benchIssuer()).env, BENCH_SECURITY_HEADERS: '1' })
  reportJwksOf('auth+headers', server)
  return server
})
/** Only the distinct-token scenarios need the pool. */
const tokenPool = once(async () => {
  const { token } = await benchIssuer()
  const started = Date.now()
  const tokens = Array.from({ length: POOL_SIZE }, () => token())
  console.log(`  signed ${POOL_SIZE} distinct RS256 tokens in ${Date.now() - started} ms`)
  return tokens
})

interface Subject {
  prefix: string
  what: string
  /** The authentication issue's targets. Without them the subject only reports, and only with the repeated token. */
  target?: { same: number, distinct: number }
  /** The subject server and path, and the bare route answering the same body (one URL per process). */
  pick: () => Promise<{ server: RunningServer, path: string, baseline: string[] }>
}

const subjects: Subject[] = [
  {
    prefix: 'auth',
    what: 'authentication alone (the auth and access-policy plugins on bare Fastify)',
    target: { same: 0.85, distinct: 0.45 },
    pick: async () => ({ server: await authOnly(), path: '/me/token', baseline: (await bare()).urls.map(u => `${u}/me/token`) })
  },
  {
    prefix: 'me',
    what: 'the whole app (auth, tenant from the membership cache, per-tenant rate limit, security headers), caller a seeded tenant member',
    target: { same: 0.85, distinct: 0.45 },
    pick: async () => ({ server: (await benchStack()).app, path: '/me', baseline: (await bare()).urls.map(u => `${u}/me`) })
  },
  {
    prefix: 'auth-headers',
    what: 'authentication plus the app\'s six security headers (plugins/http-security.ts), nothing else: the best the whole app can do',
    pick: async () => ({ server: await authHeaders(), path: '/me/token', baseline: (await bare()).urls.map(u => `${u}/me/token`) })
  }
]

function sameToken ({ prefix, what, target, pick }: Subject): Scenario {
  return {
    name: `${prefix}-same-token`,
    description: `GET /me, ${what}; one Cognito-shaped RS256 access token repeated (verified-token cache hit)`,
    ...(target ? { target: target.same } : {}),
    async setup () {
      const [{ token }, { server, path, baseline }] = await Promise.all([benchIssuer(), pick()])
      const headers = { authorization: `Bearer ${token()}` }
      return {
        baseline: { label: 'bare Fastify /me', urls: baseline, headers },
        subject: { label: `${prefix} /me`, urls: server.urls.map(u => u + path), headers }
      }
    }
  }
}

function distinctTokens ({ prefix, what, pick }: Subject, target: number): Scenario {
  return {
    name: `${prefix}-distinct-tokens`,
    description: `GET /me, ${what}; a different valid token every request (${POOL_SIZE} tokens cycled, cache of ${TOKEN_CACHE_SIZE}: every request is a full RS256 verification)`,
    target,
    async setup () {
      const [tokens, { server, path, baseline }] = await Promise.all([tokenPool(), pick()])
      let i = 0
      // The same rotation on both sides, so the client-side cost is identical.
      const nextHeaders = () => ({ authorization: `Bearer ${tokens[i++ % tokens.length]}` })
      return {
        baseline: { label: 'bare Fastify /me', urls: baseline, nextHeaders },
        subject: { label: `${prefix} /me`, urls: server.urls.map(u => u + path), nextHeaders }
      }
    }
  }
}

export const authScenarios: Scenario[] = subjects.flatMap(subject =>
  subject.target ? [sameToken(subject), distinctTokens(subject, subject.target.distinct)] : [sameToken(subject)])
