// One tenant flooding Cognito through the API (cognito-local, small rates): another tenant's requests of the same kind all succeed.
import t from 'tap'
import { startUsersStack } from '../helpers/users-stack.js'
import { orgHelpers } from '../helpers/org.js'

t.test('20 parallel resend loops by one tenant\'s admin: the other tenant\'s 6 resends all succeed; the flood gets the 503s', async t => {
  const stack = await startUsersStack(t)
  const setup = await stack.app(t)
  // A resend reads the user (userRead) and resends (userCreation): 5 of each per second for the whole process; a request
  // waits at most 1.5 s for a slot (as in production, more than the 1 s window). Each resend makes Cognito calls: a
  // change that changes nothing (enabling an enabled user) makes none, so it could not flood anything.
  // The per-tenant HTTP limit is lifted: this is about the Cognito budget, and 429s would only make the flood spin.
  const app = await stack.app(t, { COGNITO_USER_READ_RPS: '5', COGNITO_CREATE_USER_RPS: '5', COGNITO_MAX_WAIT_MS: '1500', RATE_LIMIT_MAX: '1000000' })
  const operator = stack.bearer(await stack.platformAdminToken())
  const { onboard, inviteNew } = orgHelpers(stack, setup, operator)

  async function tenantWithMember () {
    const { auth } = await onboard()
    return { auth, memberId: (await inviteNew(auth)).userId }
  }
  const hog = await tenantWithMember()
  const other = await tenantWithMember()

  const run = { stop: false }
  const flood: Record<number, number> = {}
  // 20 loops keep the flood's queue full (5 per second, 1.5 s of waiting: ~8 places); a 200 ms pause after a refusal
  // keeps them from turning into a DynamoDB Local load test (with 60 loops and 50 ms, a busy CI host timed out reads).
  const loops = Array.from({ length: 20 }, async () => {
    while (!run.stop) {
      const res = await app.inject({ method: 'POST', url: `/users/${hog.memberId}/invitation`, headers: hog.auth })
      flood[res.statusCode] = (flood[res.statusCode] ?? 0) + 1
      if (res.statusCode !== 202) await new Promise(resolve => setTimeout(resolve, 200))
    }
  })
  await new Promise(resolve => setTimeout(resolve, 1500)) // the flood's queue is full by now
  const changes: number[] = []
  for (let i = 0; i < 6; i++) {
    const res = await app.inject({ method: 'POST', url: `/users/${other.memberId}/invitation`, headers: other.auth })
    changes.push(res.statusCode)
    if (res.statusCode !== 202) t.comment(res.body)
  }
  run.stop = true
  await Promise.all(loops)
  t.same(changes, [202, 202, 202, 202, 202, 202], 'every resend of the other tenant succeeded')
  t.ok((flood[503] ?? 0) > 0, `the flooding tenant got the 503s: ${JSON.stringify(flood)}`)
})
