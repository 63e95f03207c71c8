// SSO enforcement end to end: the tenant requires SSO (audited), the pre authentication trigger (called with AWS's
// event shape; cognito-local has none) refuses a password sign-in at the connected domain and lets others and
// platform admins through, and turning it on signs those people's password sessions out (AdminUserGlobalSignOut at the shim).
import t from 'tap'
import type { PreAuthenticationTriggerEvent } from 'aws-lambda'
import { uniq } from '../helpers/org.js'
import { oidcConnection, startSsoStack, verifiedDomain } from '../helpers/sso.js'
import { cognitoPlatformAdminCheck, createPreAuthenticationHandler } from '../../src/cognito/triggers/pre-authentication.js'

const { dns, idp, stack, app, org, cognito } = await startSsoStack(t)
const { onboard, invite, auditFor } = org
const { documentClient: dynamo, tableName, userPoolId } = stack.services
const preAuth = createPreAuthenticationHandler({ dynamo, tableName, isPlatformAdmin: cognitoPlatformAdminCheck(cognito) })

const event = (userName: string, email: string) => ({
  version: '1',
  region: 'us-east-1',
  userPoolId,
  userName,
  triggerSource: 'PreAuthentication_Authentication',
  callerContext: { awsSdkVersion: '3', clientId: 'c' },
  request: { userAttributes: { sub: userName, email, email_verified: 'true', 'cognito:user_status': 'CONFIRMED' }, validationData: {} },
  response: {}
}) as unknown as PreAuthenticationTriggerEvent
const put = (auth: { authorization: string }, required: boolean) => app.inject({ method: 'PUT', url: '/sso-connections/enforcement', headers: auth, payload: { required } })

t.test('a tenant requires SSO: password sign-in at its domain refused with the way in, others pass, sessions signed out', async t => {
  const a = await onboard()
  const domain = await verifiedDomain(app, dns, a)
  const email = `sam@${domain}`
  const { userId } = await invite(a.auth, email)
  await stack.activate(email, userId)
  t.equal((await put(a.auth, true)).statusCode, 409, 'no connection yet: nothing to enforce')

  const provider = await oidcConnection(app, a, idp.issuer())
  const sam = event(userId, email)
  t.same(await preAuth(sam), sam, 'not enforced yet: password sign-in passes')

  const signOutsBefore = stack.shim.answered.filter(op => op === 'AdminUserGlobalSignOut').length
  const on = await put(a.auth, true)
  t.equal(on.statusCode, 200, on.body)
  t.match(on.json(), { required: true, domains: [domain], signedOut: 1, remaining: 0 }, 'sam, not the admin at example.com')
  t.equal(stack.shim.answered.filter(op => op === 'AdminUserGlobalSignOut').length, signOutsBefore + 1)
  t.same((await app.inject({ url: '/sso-connections/enforcement', headers: a.auth })).json(), { required: true })
  const discover = async () => (await app.inject({ url: `/sso/discover?email=${encodeURIComponent(email)}` })).json()
  t.same(await discover(), { sso: true, providerName: provider, required: true }, 'discovery tells the sign-in page not to offer a password')

  await t.rejects(preAuth(sam), { message: new RegExp(`${domain.replace(/\./g, '\\.')} signs in with single sign-on.*identity_provider=${provider}`) })
  const admin = event(a.adminId, a.adminEmail)
  t.same(await preAuth(admin), admin, 'another domain passes')
  const federated = { ...sam, request: { ...sam.request, userAttributes: { ...sam.request.userAttributes, 'cognito:user_status': 'EXTERNAL_PROVIDER' } } }
  t.same(await preAuth(federated), federated, 'a federated user is not a password sign-in')
  const platformAdmin = createPreAuthenticationHandler({ dynamo, tableName, isPlatformAdmin: async () => true })
  t.same(await platformAdmin(sam), sam, 'platform admins are unaffected')

  const actions = (await auditFor(a.auth, a.tenantId)).map(e => e.action)
  t.ok(actions.includes('sso.enforcement_changed') && actions.includes('sso.signed_out'), 'audited')

  const off = await put(a.auth, false)
  t.match(off.json(), { required: false, signedOut: 0 })
  t.same(await preAuth(sam), sam, 'enforcement off: password sign-in passes again')
  t.same(await discover(), { sso: true, providerName: provider, required: false }, 'and discovery offers it again')
})

t.test('a connection added while enforcement is on is enforced too; members only', async t => {
  const a = await onboard()
  const [d1, d2] = [await verifiedDomain(app, dns, a), await verifiedDomain(app, dns, a)]
  const res = await app.inject({ method: 'POST', url: '/sso-connections', headers: a.auth, payload: { type: 'OIDC', issuer: idp.issuer(), clientId: 'c', clientSecret: 's', domains: [d1] } })
  t.equal(res.statusCode, 201)
  t.equal((await put(a.auth, true)).statusCode, 200)
  await oidcConnection(app, a, idp.issuer())
  await t.rejects(preAuth(event(`u-${uniq()}`, `x@${d2}`)), /single sign-on/)
  const member = await onboard()
  t.equal((await app.inject({ method: 'PUT', url: '/sso-connections/enforcement', headers: { ...member.auth, 'x-tenant-id': a.tenantId }, payload: { required: false } })).statusCode, 403, 'another tenant\'s admin cannot')
})
