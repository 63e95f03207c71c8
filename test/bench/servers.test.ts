// The benchmark's authentication pair keeps measuring like for like: bare and auth-only answer the same body for the
// same token, and the auth-only server really authenticates (a ratio against a server that let everything through
// would be meaningless), with the environment `npm run bench -- auth` gives it: the issuer's alone, no DynamoDB.
import t from 'tap'
import { benchIssuer } from '../../bench/stack.js'
import { jwksSummary, load, preflight, reportJwksOf, runBenchEndHooks, startServers, type RunningServer } from '../../bench/lib.js'
import { childEnv } from '../helpers/child-env.js'

t.test('bench/servers/auth.ts authenticates and answers what bare answers', async t => {
  const { issuer, env, token } = await benchIssuer()
  t.teardown(runBenchEndHooks)
  const [bare, authOnly] = await startServers(
    [new URL('../../bench/servers/bare.ts', import.meta.url), childEnv({}), 1],
    [new URL('../../bench/servers/auth.ts', import.meta.url), childEnv(env), 2]
  ) as [RunningServer, RunningServer]
  t.teardown(() => Promise.all([bare.close(), authOnly.close()]))

  const headers = { authorization: `Bearer ${token()}` }
  t.equal(authOnly.urls.length, 2, 'two processes')
  t.equal(await preflight({ label: 'bare', urls: bare.urls.map(u => `${u}/me/token`), headers }, { label: 'auth', urls: authOnly.urls.map(u => `${u}/me/token`), headers }), undefined, 'same body')
  const forged = `${headers.authorization.slice(0, -4)}AAAA`
  for (const url of authOnly.urls) {
    t.equal((await fetch(`${url}/me/token`)).status, 401, 'no token: refused')
    t.equal((await fetch(`${url}/me/token`, { headers: { authorization: forged } })).status, 401, 'a bad signature: refused')
  }
  t.equal(issuer.requests, 2, 'one JWKS fetch per process')
  t.same(await authOnly.jwksFetches(), [1, 1], 'and each process reports its own')
  t.same(await bare.jwksFetches(), [0], 'bare verifies nothing')
  reportJwksOf('auth-only', authOnly)
  t.equal(await jwksSummary(), 'JWKS requests during the whole run, per server process: auth-only 1/1; the issuer received 2, as many in all', 'the run\'s one JWKS line')

  // Two questions in flight to the same processes: each gets its own answer.
  const [fetches, cpuSoFar] = await Promise.all([authOnly.jwksFetches(), authOnly.cpuMicros()])
  t.same(fetches, [1, 1], 'the JWKS count, not the CPU time')
  t.ok(cpuSoFar.every(us => us > 10_000), 'the CPU time, not the JWKS count')

  // Each round reads the server process's CPU time before and after its load.
  const before = await authOnly.cpuMicros()
  const round = await load({ label: 'auth', urls: authOnly.urls.map(u => `${u}/me/token`), headers }, { connections: 5, duration: 1, round: 1 })
  const after = await authOnly.cpuMicros()
  t.ok(round.total > 0 && round.non2xx === 0, 'the round was served')
  t.ok(after[1]! > before[1]!, 'the loaded process spent CPU')
  t.ok(round.cpuPerRequest !== undefined && round.cpuPerRequest > 0 && round.cpuPerRequest <= (after[1]! - before[1]!) / round.total, `CPU per request is the loaded process's, read within the round (${round.cpuPerRequest?.toFixed(1)} µs)`)
  const outside = await load({ label: 'issuer', urls: [`${issuer.env.COGNITO_ISSUER}/.well-known/jwks.json`] }, { connections: 1, duration: 1, round: 0 })
  t.ok(outside.total > 0, 'a server not started by the bench is loaded too')
  t.equal(outside.cpuPerRequest, undefined, 'but its CPU is not known')

  await bare.close()
  await t.rejects(bare.jwksFetches(), /not running/, 'a stopped server fails the question instead of hanging')
  await t.rejects(bare.cpuMicros(), /not running/, 'the CPU question too')
})
