// The benchmark's authentication pair keeps measuring like for like: bare and auth-only answer the same body for the
// same token, and the auth-only server really authenticates (a ratio against a server that let everything through
// would be meaningless).
import t from 'tap'
import { startIssuer } from '../helpers/issuer.js'
import { preflight, startServers, type RunningServer } from '../../bench/lib.js'

t.test('bench/servers/auth.ts authenticates and answers what bare answers', async t => {
  const issuer = await startIssuer({ clientId: 'bench-client' })
  t.teardown(() => issuer.close())
  const env = { COGNITO_USER_POOL_ID: 'us-east-1_TestPool1', COGNITO_CLIENT_IDS: 'bench-client', COGNITO_ISSUER: issuer.issuer, LOG_LEVEL: 'silent' }
  const [bare, authOnly] = await startServers(
    [new URL('../../bench/servers/bare.ts', import.meta.url)],
    [new URL('../../bench/servers/auth.ts', import.meta.url), env]
  ) as [RunningServer, RunningServer]
  t.teardown(() => Promise.all([bare.close(), authOnly.close()]))

  const headers = { authorization: `Bearer ${issuer.sign(issuer.accessClaims({ sub: 'user-123' }))}` }
  t.equal(await preflight({ label: 'bare', url: `${bare.url}/me/token`, headers }, { label: 'auth', url: `${authOnly.url}/me/token`, headers }), undefined, 'same body')
  t.equal((await fetch(`${authOnly.url}/me/token`)).status, 401, 'no token: refused')
  const forged = `${headers.authorization.slice(0, -4)}AAAA`
  t.equal((await fetch(`${authOnly.url}/me/token`, { headers: { authorization: forged } })).status, 401, 'a bad signature: refused')
  t.equal(issuer.requests, 1, 'one JWKS fetch')
  t.equal(await authOnly.jwksFetches(), 1, 'and the server reports it')
  t.equal(await bare.jwksFetches(), 0, 'bare verifies nothing')
  await bare.close()
  await t.rejects(bare.jwksFetches(), /not running/, 'a stopped server fails the question instead of hanging')
})
