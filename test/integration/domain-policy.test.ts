// A verified domain's policy (off, suggest, join) end to end: suggestions under /me/invitations, membership at sign-in
// and at sign-up (the Cognito triggers, called with AWS's event shapes against DynamoDB Local), and a removal that sticks.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { PostConfirmationTriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import { startUsersStack } from '../helpers/users-stack.js'
import { orgHelpers, uniq } from '../helpers/org.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { keys } from '../../src/repositories/keys.js'
import { createPreTokenGenerationHandler } from '../../src/cognito/triggers/pre-token-generation.js'
import { createPostConfirmationHandler, tenantIdFor } from '../../src/cognito/triggers/post-confirmation.js'

const dns = await startDnsServer(t)
const stack = await startUsersStack(t)
const app = await stack.app(t, { DNS_SERVERS: dns.server })
const operator = stack.bearer(await stack.platformAdminToken())
const { onboard, invite } = orgHelpers(stack, app, operator)
const { item, documentClient: dynamo, tableName } = stack.services
const preToken = createPreTokenGenerationHandler({ dynamo, tableName })
const postConfirmation = createPostConfirmationHandler({ dynamo, tableName })
type Auth = { authorization: string }

/** Tenant `a` verifies a fresh domain (TXT record on the test's DNS server) and sets its policy. */
async function verifiedDomain (a: { auth: Auth }, policy: 'off' | 'suggest' | 'join') {
  const domain = `corp-${uniq()}.example`
  const claim = (await app.inject({ method: 'POST', url: '/domains', headers: a.auth, payload: { domain } })).json()
  dns.txt.set(claim.record.name, [claim.record.value])
  const verified = await app.inject({ method: 'POST', url: `/domains/${domain}/verify`, headers: a.auth })
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.body}`)
  const set = await app.inject({ method: 'PUT', url: `/domains/${domain}/policy`, headers: a.auth, payload: { policy } })
  if (set.statusCode !== 200) throw new Error(`policy: ${set.body}`)
  return domain
}
/** A person at `email` who is a member of tenant `b` (signed in and active there). */
async function personIn (b: { auth: Auth }, email: string) {
  const { userId } = await invite(b.auth, email)
  const token = stack.bearer(await stack.activate(email, userId))
  await app.inject({ url: '/orders', headers: token })
  return { userId, token }
}
const tokenEvent = (sub: string, email: string) => ({
  version: '2',
  region: 'us-east-1',
  userPoolId: 'pool',
  userName: sub,
  triggerSource: 'TokenGeneration_Authentication',
  callerContext: { awsSdkVersion: '3', clientId: 'c' },
  request: { userAttributes: { sub, email, email_verified: 'true' }, groupConfiguration: {} },
  response: { claimsAndScopeOverrideDetails: {} }
}) as unknown as PreTokenGenerationV2TriggerEvent

t.test('suggest: the tenant is offered under /me/invitations; accepting makes an active member, audited', async t => {
  const a = await onboard()
  const b = await onboard()
  const domain = await verifiedDomain(a, 'suggest')
  const p = await personIn(b, `pat@${domain}`)
  const listed = (await app.inject({ url: '/me/invitations', headers: p.token })).json()
  t.match(listed.suggestions, [{ tenantId: a.tenantId, domain }])
  const accepted = await app.inject({ method: 'POST', url: `/me/invitations/${a.tenantId}`, headers: p.token })
  t.equal(accepted.statusCode, 200, accepted.body)
  t.match(accepted.json(), { tenantId: a.tenantId, groups: ['members'], status: 'active' })
  t.match(await item(keys.membership(a.tenantId, p.userId)), { status: 'active', groups: ['members'] })
  t.match((await app.inject({ url: '/audit?limit=1', headers: a.auth })).json().items[0], { action: 'user.joined', target: p.userId, details: { domain, via: 'suggest' } })
  t.same((await app.inject({ url: '/me/invitations', headers: p.token })).json().suggestions, [], 'a member is offered nothing more')

  const other = await personIn(b, `olga@other-${uniq()}.example`)
  t.same((await app.inject({ url: '/me/invitations', headers: other.token })).json().suggestions, [], 'another domain: nothing')
  t.equal((await app.inject({ method: 'POST', url: `/me/invitations/${a.tenantId}`, headers: other.token })).statusCode, 404, 'nor can they accept it')
})

t.test('join: the next sign-in makes a member, once; a member the tenant removed is not brought back until invited', async t => {
  const a = await onboard()
  const b = await onboard()
  const domain = await verifiedDomain(a, 'join')
  const email = `jo@${domain}`
  const p = await personIn(b, email)
  await preToken(tokenEvent(p.userId, email))
  t.match(await item(keys.membership(a.tenantId, p.userId)), { status: 'active', groups: ['members'] })
  await preToken(tokenEvent(p.userId, email))
  t.match(await item(keys.account(p.userId)), { memberships: 2 }, 'a second sign-in adds nothing')

  t.equal((await app.inject({ method: 'DELETE', url: `/users/${p.userId}`, headers: a.auth })).statusCode, 204)
  await preToken(tokenEvent(p.userId, email))
  t.equal(await item(keys.membership(a.tenantId, p.userId)), null, 'removed: the policy does not bring them back')
  t.same((await app.inject({ url: '/me/invitations', headers: p.token })).json().suggestions, [])
  await invite(a.auth, email)
  t.equal(await item(keys.removedMark(a.tenantId, email)), null, 'an invitation lifts the mark')
})

t.test('self sign-up at a verified domain joins (join) or is offered (suggest) that tenant instead of founding one', async t => {
  const a = await onboard()
  for (const policy of ['join', 'suggest'] as const) {
    await t.test(policy, async t => {
      const domain = await verifiedDomain(a, policy)
      const sub = randomUUID()
      const email = `new@${domain}`
      await postConfirmation({ version: '1', region: 'us-east-1', userPoolId: 'pool', userName: sub, triggerSource: 'PostConfirmation_ConfirmSignUp', callerContext: { awsSdkVersion: '3', clientId: 'c' }, request: { userAttributes: { sub, email } }, response: {} } as PostConfirmationTriggerEvent)
      t.equal(await item(keys.tenant(tenantIdFor(sub))), null, 'no tenant founded')
      if (policy === 'join') t.match(await item(keys.membership(a.tenantId, sub)), { status: 'active', groups: ['members'] })
      else t.equal(await item(keys.membership(a.tenantId, sub)), null, 'offered, not joined')
      t.match(await item(keys.account(sub)), { email, memberships: policy === 'join' ? 1 : 0 })
      t.match(await item(keys.emailClaim(email)), { userId: sub })
    })
  }
})

t.test('off (the default) offers nothing; the policy is audited and only for a verified domain', async t => {
  const a = await onboard()
  const b = await onboard()
  const domain = await verifiedDomain(a, 'off')
  const p = await personIn(b, `ola@${domain}`)
  t.same((await app.inject({ url: '/me/invitations', headers: p.token })).json().suggestions, [])
  await preToken(tokenEvent(p.userId, `ola@${domain}`))
  t.equal(await item(keys.membership(a.tenantId, p.userId)), null)
  const pending = `pending-${uniq()}.example`
  await app.inject({ method: 'POST', url: '/domains', headers: a.auth, payload: { domain: pending } })
  t.equal((await app.inject({ method: 'PUT', url: `/domains/${pending}/policy`, headers: a.auth, payload: { policy: 'join' } })).statusCode, 409, 'verify first')
  t.match((await app.inject({ url: '/audit?limit=5', headers: a.auth })).json().items.map((e: { action: string }) => e.action), ['domain.claimed', 'domain.verified', 'domain.claimed'])
})
