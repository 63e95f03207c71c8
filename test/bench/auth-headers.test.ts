// The auth-headers scenario's server is the auth-only one plus the app's security headers, exactly as the app sends
// them: its ratio is what the whole app's same-token ratio can reach at best, so it must not differ in anything else.
import t from 'tap'
import { benchIssuer } from '../../bench/stack.js'
import { preflight, runBenchEndHooks, startServers, type RunningServer } from '../../bench/lib.js'
import { helmetHeaders } from '../../plugins/http-security.js'
import { childEnv } from '../helpers/child-env.js'

t.test('the auth-headers bench server adds the app\'s security headers and nothing else', async t => {
  const { env, token } = await benchIssuer()
  t.teardown(runBenchEndHooks)
  const [bare, withHeaders, authOnly] = await startServers(
    [new URL('../../bench/servers/bare.ts', import.meta.url), childEnv({}), 1],
    [new URL('../../bench/servers/auth.ts', import.meta.url), childEnv({ ...env, BENCH_SECURITY_HEADERS: '1' }), 1],
    [new URL('../../bench/servers/auth.ts', import.meta.url), childEnv(env), 1]
  ) as [RunningServer, RunningServer, RunningServer]
  t.teardown(() => Promise.all([bare.close(), withHeaders.close(), authOnly.close()]))

  const headers = { authorization: `Bearer ${token()}` }
  t.equal(await preflight({ label: 'bare', urls: [`${bare.url}/me/token`], headers }, { label: 'auth+headers', urls: [`${withHeaders.url}/me/token`], headers }), undefined, 'same body as bare')
  const sent = await fetch(`${withHeaders.url}/me/token`, { headers })
  const plain = await fetch(`${authOnly.url}/me/token`, { headers })
  t.equal(sent.status, 200, 'the token is accepted')
  const expected = await helmetHeaders()
  t.ok(Object.keys(expected).length >= 5, 'helmet names several headers')
  for (const [name, value] of Object.entries(expected)) {
    t.equal(sent.headers.get(name), value, `${name} as the app sends it`)
    t.equal(plain.headers.get(name), null, `${name} absent without BENCH_SECURITY_HEADERS`)
  }
  t.equal((await fetch(`${withHeaders.url}/me/token`)).status, 401, 'it still authenticates')
})
