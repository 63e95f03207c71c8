// Two app instances against one DynamoDB Local and one cognito-local (behind the shim): every limit, budget and
// revocation bound holds across both, as it must with many Lambda copies or containers.
import t, { type Test } from 'tap'
import { randomUUID, createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { recordCognitoCalls, startUsersStack } from '../helpers/users-stack.js'
import { signJwt } from '../helpers/issuer.js'
import type { App } from '../helpers/build.js'

const stack = await startUsersStack(t)
const setup = await stack.app(t)
const operator = stack.bearer(await stack.platformAdminToken())
const uniq = () => randomUUID().slice(0, 8)
/** Both instances count in the table, as in production. */
const shared = { LIMITS_STORE: 'dynamodb' }

async function twoInstances (tt: Test, env: Record<string, string>): Promise<[App, App]> {
  return [await stack.app(tt, { ...shared, ...env }), await stack.app(tt, { ...shared, ...env })]
}

/** A tenant with a signed-in admin and a signed-in member (set up through an instance that counts in memory). */
async function tenantWithMember () {
  const adminEmail = `admin-${uniq()}@example.com`
  const res = await setup.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name: `Tenant ${uniq()}`, adminEmail } })
  if (res.statusCode !== 201) throw new Error(`onboarding failed: ${res.statusCode} ${res.body}`)
  const body = res.json() as { tenantId: string, admin: { userId: string } }
  const admin = stack.bearer(await stack.activate(adminEmail, body.admin.userId))
  const email = `member-${uniq()}@example.com`
  const invited = await setup.inject({ method: 'POST', url: '/users', headers: admin, payload: { email } })
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.statusCode} ${invited.body}`)
  const memberId = invited.json().userId as string
  const member = stack.bearer(await stack.activate(email, memberId))
  return { tenantId: body.tenantId, admin, memberId, member }
}

const tally = (codes: number[]) => codes.reduce<Record<number, number>>((acc, c) => { acc[c] = (acc[c] ?? 0) + 1; return acc }, {})

/** Waits, if need be, so that `seconds` more fit in the current fixed window of `windowSeconds`. */
async function roomInWindow (windowSeconds: number, seconds: number) {
  const left = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000))
  if (left < seconds * 1000) await new Promise(resolve => setTimeout(resolve, left + 50))
}

t.test('the tenant limit: RATE_LIMIT_MAX=40 through two instances gives 32-44 answers in one window; another tenant is unaffected', async t => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_MAX: '40', RATE_LIMIT_WINDOW_SECONDS: '3600' })
  const busy = await tenantWithMember()
  const other = await tenantWithMember()
  await roomInWindow(3600, 60)
  const codes: number[] = []
  for (let i = 0; i < 30; i++) {
    // Two callers of the tenant, each through both instances: the tenant's limit, not one caller's, is what stops them.
    for (const [app, who] of [[a, busy.member], [b, busy.admin], [b, busy.member], [a, busy.admin]] as const) {
      codes.push((await app.inject({ method: 'GET', url: '/orders', headers: who })).statusCode)
    }
  }
  const counts = tally(codes)
  t.same(Object.keys(counts).sort(), ['200', '429'], JSON.stringify(counts))
  t.ok((counts[200] ?? 0) >= 32 && (counts[200] ?? 0) <= 44, `answers in the window: ${counts[200]} (of 120, RATE_LIMIT_MAX=40)`)
  const refused = await a.inject({ method: 'GET', url: '/orders', headers: busy.member })
  t.equal(refused.statusCode, 429)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.ok(Number(refused.headers['retry-after']) >= 1)
  const others: number[] = []
  for (let i = 0; i < 10; i++) others.push((await (i % 2 === 0 ? a : b).inject({ method: 'GET', url: '/orders', headers: other.member })).statusCode)
  t.same(others, Array(10).fill(200), 'the other tenant is unaffected')
})

t.test('refused tenant choices count against the caller: 30 requests naming random tenants with RATE_LIMIT_MAX=5 get mostly 429', async t => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '3600' })
  const guesser = await tenantWithMember()
  await roomInWindow(3600, 60)
  const codes: number[] = []
  for (let i = 0; i < 30; i++) {
    const res = await (i % 2 === 0 ? a : b).inject({ method: 'GET', url: '/orders', headers: { ...guesser.member, 'x-tenant-id': `guess-${uniq()}` } })
    codes.push(res.statusCode)
  }
  const counts = tally(codes)
  t.same(Object.keys(counts).sort(), ['403', '429'], JSON.stringify(counts))
  t.ok((counts[429] ?? 0) >= 24, `mostly 429: ${JSON.stringify(counts)}`)
  t.ok((counts[403] ?? 0) <= 5, 'no more refusals than the caller limit across both instances')
})

t.test('revocation: a member removed through one instance is refused by the other within MEMBERSHIP_CACHE_TTL_SECONDS', async t => {
  const ttlSeconds = 2
  const [a, b] = await twoInstances(t, { MEMBERSHIP_CACHE_TTL_SECONDS: String(ttlSeconds) })
  const x = await tenantWithMember()
  // b caches the membership during this request: its entry expires at most TTL after `at`.
  const at = Date.now()
  t.equal((await b.inject({ method: 'GET', url: '/orders', headers: x.member })).statusCode, 200, 'cached on b')
  const removed = await a.inject({ method: 'DELETE', url: `/users/${x.memberId}`, headers: x.admin })
  t.equal(removed.statusCode, 204)
  t.not((await a.inject({ method: 'GET', url: '/orders', headers: x.member })).statusCode, 200, 'the instance that removed it refuses at once')
  let refusedAfter: number | undefined
  while (Date.now() - at < ttlSeconds * 1000 + 3000) {
    const res = await b.inject({ method: 'GET', url: '/orders', headers: x.member })
    if (res.statusCode !== 200) { refusedAfter = Date.now() - at; t.ok([401, 403].includes(res.statusCode), `refused with ${res.statusCode}`); break }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  // The bound, plus one poll (100 ms and a request) of slack.
  t.ok(refusedAfter !== undefined && refusedAfter <= ttlSeconds * 1000 + 1000, `the other instance refused it ${refusedAfter} ms after caching it (bound ${ttlSeconds} s)`)
})

t.test('the failure limiter behind one address: 60 expired and 60 forged tokens through both instances, then a valid token answers 200', async t => {
  const [a, b] = await twoInstances(t, {})
  const x = await tenantWithMember()
  // cognito-local signs with a fixed key shipped in the package: a genuine signature on any claims (docs: LOCAL-SERVICES).
  const jwk = JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/keys/cognitoLocal.private.json'), 'utf8')).jwk
  const localKey = createPrivateKey({ key: jwk, format: 'jwk' })
  const real = x.member.authorization.slice(7)
  const claims = JSON.parse(Buffer.from(real.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
  const now = Math.floor(Date.now() / 1000)
  const expired = () => signJwt({ alg: 'RS256', kid: 'CognitoLocal' }, { ...claims, jti: randomUUID(), iat: now - 7200, exp: now - 3600 }, localKey)
  const forged = () => {
    const [h, p] = expired().split('.')
    return `${h}.${p}.${real.split('.')[2]}`
  }
  const codes: number[] = []
  const from = (app: App, token: string) => app.inject({ method: 'GET', url: '/orders', remoteAddress: '203.0.113.50', headers: { authorization: `Bearer ${token}` } })
  const laptop = expired()
  for (let i = 0; i < 60; i++) codes.push((await from(i % 2 === 0 ? a : b, i < 30 ? laptop : expired())).statusCode)
  t.same(tally(codes), { 401: 60 }, 'expired tokens: 401, never 429')
  for (let i = 0; i < 60; i++) codes.push((await from(i % 2 === 0 ? a : b, forged())).statusCode)
  t.equal(codes.length, 120)
  const colleague = await inviteInto(x.admin)
  const valid = await stack.activate(colleague.email, colleague.userId)
  t.equal((await from(a, valid)).statusCode, 200, 'a valid token from the same address, instance a')
  t.equal((await from(b, real)).statusCode, 200, 'and instance b')
})

async function inviteInto (admin: { authorization: string }) {
  const email = `member-${uniq()}@example.com`
  const res = await setup.inject({ method: 'POST', url: '/users', headers: admin, payload: { email } })
  if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`)
  return { email, userId: res.json().userId as string }
}

const USER_UPDATE_OPS = new Set(['AdminAddUserToGroup', 'AdminRemoveUserFromGroup', 'AdminDisableUser', 'AdminEnableUser', 'AdminUserGlobalSignOut', 'AdminDeleteUser', 'AdminUpdateUserAttributes', 'AdminSetUserPassword'])

t.test('the Cognito budget: a flood through two instances stays within COGNITO_USER_UPDATE_RPS in total; a quiet tenant disables and enables its member meanwhile', async t => {
  const rps = 2
  const [a, b] = await twoInstances(t, { COGNITO_USER_UPDATE_RPS: String(rps), COGNITO_USER_READ_RPS: '1000', COGNITO_MAX_WAIT_MS: '2500', RATE_LIMIT_MAX: '1000000', CALLER_RATE_LIMIT_MAX: '1000000' })
  const hog = await tenantWithMember()
  const quiet = await tenantWithMember()
  const recorders = [recordCognitoCalls(a.cognito), recordCognitoCalls(b.cognito)]
  const run = { stop: false }
  const flood: number[] = []
  const started = Date.now()
  // 10 loops per instance, each toggling the hog's member (a change that changes nothing makes no Cognito call).
  const loops = Array.from({ length: 20 }, async (_, i) => {
    let status = i % 2 === 0 ? 'disabled' : 'active'
    while (!run.stop) {
      const res = await (i % 2 === 0 ? a : b).inject({ method: 'PATCH', url: `/users/${hog.memberId}`, headers: hog.admin, payload: { status } })
      flood.push(res.statusCode)
      status = status === 'disabled' ? 'active' : 'disabled'
      if (res.statusCode !== 200) await new Promise(resolve => setTimeout(resolve, 200))
    }
  })
  await new Promise(resolve => setTimeout(resolve, 1500))
  const off = await a.inject({ method: 'PATCH', url: `/users/${quiet.memberId}`, headers: quiet.admin, payload: { status: 'disabled' } })
  const on = await b.inject({ method: 'PATCH', url: `/users/${quiet.memberId}`, headers: quiet.admin, payload: { status: 'active' } })
  await new Promise(resolve => setTimeout(resolve, 1500))
  run.stop = true
  await Promise.all(loops)
  const seconds = (Date.now() - started) / 1000
  t.equal(off.statusCode, 200, `the quiet tenant's disable: ${off.body}`)
  t.equal(on.statusCode, 200, `the quiet tenant's enable: ${on.body}`)
  const updates = recorders.flatMap(r => r.attempts).filter(c => USER_UPDATE_OPS.has(c.op))
  const total = updates.length
  // A fixed window may let one second's worth through at a boundary: at most rps per started second, plus one second.
  const bound = rps * (Math.ceil(seconds) + 1)
  t.ok(total <= bound, `${total} user-update calls reached Cognito in ${seconds.toFixed(1)} s through two instances (bound ${bound})`)
  t.ok(total >= rps, `the flood did reach Cognito (${total} calls)`)
  t.ok(tally(flood)[503] !== undefined, `the flood got the 503s: ${JSON.stringify(tally(flood))}`)
})
