// The Cognito client shares each quota category between tenants: one tenant's burst 503s that tenant, not the others.
import t from 'tap'
import { Readable } from 'node:stream'
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { createUserPoolClient } from '../../src/cognito/user-pool.js'
import { loadConfig } from '../../src/config.js'
import { ServiceUnavailableError } from '../../src/domain/errors.js'
import { baseEnv } from '../helpers/build.js'

/** A Cognito that answers every call at once with an empty success, so only the client's limiter paces anything. */
function instantCognito () {
  return new CognitoIdentityProviderClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: {
      handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from('{}')]) } })
    }
  })
}

t.test('60 loops of one tenant\'s user updates: another tenant\'s group changes and an operator call all succeed', async t => {
  const client = instantCognito()
  t.teardown(() => client.destroy())
  // 10 user updates per second and at most 3 s of waiting (more than the 1 s window, as in production; the margin is for
  // a loaded test machine, where timers run late): 60 loops ask for far more.
  const cognito = createUserPoolClient(loadConfig(baseEnv), { client, rates: { userUpdate: 10 }, maxWaitMs: 3000 })
  const hog = cognito.forTenant('hog')
  const run = { stop: false }
  const flood = { ok: 0, busy: 0 }
  const loops = Array.from({ length: 60 }, async () => {
    while (!run.stop) {
      try { await hog.enableUser('member'); flood.ok++ } catch (err) {
        if (!(err instanceof ServiceUnavailableError)) throw err
        flood.busy++
        await new Promise(resolve => setTimeout(resolve, 10))
      }
    }
  })
  await new Promise(resolve => setTimeout(resolve, 1200))
  const other = cognito.forTenant('other')
  const results: string[] = []
  for (let i = 0; i < 6; i++) {
    results.push(await other.enableUser('someone').then(() => 'ok', (err: Error) => err.name))
    results.push(await cognito.disableUser('operator-target').then(() => 'ok', (err: Error) => err.name))
  }
  run.stop = true
  await Promise.all(loops)
  t.same(results, Array(12).fill('ok'), 'every call of the other tenant and of the operator got a slot')
  t.ok(flood.busy > 0, `the flooding tenant got the 503s (${flood.busy}) and ${flood.ok} slots`)
})
