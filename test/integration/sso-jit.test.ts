// Just-in-time membership and account linking through SSO, with the triggers called with the event shapes AWS documents
// (cognito-local has no federation) against DynamoDB Local; the connection made through the API at the Cognito shim.
// Linking: AdminLinkProviderForUser at the shim, which records and checks it (cognito-local has none).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { PostConfirmationTriggerEvent, PreSignUpTriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import { uniq } from '../helpers/org.js'
import { oidcConnection, startSsoStack, verifiedDomain } from '../helpers/sso.js'
import { keys } from '../../src/repositories/keys.js'
import { cognitoAccountLinker } from '../../src/cognito/triggers/federation.js'
import { createPreSignUpHandler } from '../../src/cognito/triggers/pre-sign-up.js'
import { createPostConfirmationHandler, tenantIdFor } from '../../src/cognito/triggers/post-confirmation.js'
import { createPreTokenGenerationHandler } from '../../src/cognito/triggers/pre-token-generation.js'
import { membershipReads } from '../../src/repositories/memberships.js'

const { dns, idp, stack, app, org, cognito } = await startSsoStack(t)
const { onboard, invite, auditFor } = org
const { item, documentClient: dynamo, tableName, userPoolId } = stack.services
const real = cognitoAccountLinker(cognito)
const preSignUp = createPreSignUpHandler({ dynamo, tableName, linker: real })
const linkCount = () => stack.shim.answered.filter(op => op === 'AdminLinkProviderForUser').length
const postConfirmation = createPostConfirmationHandler({ dynamo, tableName })
const preToken = createPreTokenGenerationHandler({ dynamo, tableName })
const memberships = async (userId: string) => await membershipReads({ doc: dynamo, tableName }).findByUser(userId)

const base = { version: '1', region: 'us-east-1', userPoolId, callerContext: { awsSdkVersion: '3', clientId: 'c' } }
const identities = (provider: string, id: string) => JSON.stringify([{ userId: id, providerName: provider, providerType: 'OIDC', issuer: null, primary: 'true', dateCreated: String(Date.now()) }])

/** A person's first sign-in through `provider`, as Cognito runs the triggers: pre sign-up, post confirmation, pre token generation. */
async function federatedSignIn (provider: string, email: string, sub = randomUUID(), id = uniq()) {
  const userName = `${provider}_${id}`
  const attributes = { sub, email, email_verified: 'false', 'cognito:user_status': 'EXTERNAL_PROVIDER', identities: identities(provider, id) }
  await preSignUp({ ...base, userName, triggerSource: 'PreSignUp_ExternalProvider', request: { userAttributes: { email } }, response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false } } as PreSignUpTriggerEvent)
  await postConfirmation({ ...base, userName, triggerSource: 'PostConfirmation_ConfirmSignUp', request: { userAttributes: attributes }, response: {} } as PostConfirmationTriggerEvent)
  await tokens(userName, attributes)
  return { sub, userName, attributes }
}
async function tokens (userName: string, userAttributes: Record<string, string>) {
  return await preToken({ ...base, version: '2', userName, triggerSource: 'TokenGeneration_HostedAuth', request: { userAttributes, groupConfiguration: {} }, response: { claimsAndScopeOverrideDetails: {} } } as unknown as PreTokenGenerationV2TriggerEvent)
}

t.test('a federated sign-in at the tenant\'s verified domain: exactly one active members membership, on repeat too; no tenant founded', async t => {
  const a = await onboard()
  const domain = await verifiedDomain(app, dns, a)
  const provider = await oidcConnection(app, a, idp.issuer())
  const { sub, userName, attributes } = await federatedSignIn(provider, `jo@${domain}`)
  t.match(await memberships(sub), [{ tenantId: a.tenantId, status: 'active', groups: ['members'] }])
  t.equal((await memberships(sub)).length, 1)
  t.equal(await item(keys.tenant(tenantIdFor(sub))), null, 'a federated first sign-in founds no tenant')
  await tokens(userName, attributes)
  await tokens(userName, attributes)
  t.equal((await memberships(sub)).length, 1, 'idempotent')
  const joined = await auditFor(a.auth, sub, 'user.joined')
  t.equal(joined.length, 1)
  t.match(joined[0]?.details, { via: 'sso', domain })
  t.equal(linkCount(), 0, 'no native account: nothing linked')
})

t.test('none for a domain the provider\'s tenant did not verify, or through another tenant\'s provider', async t => {
  const a = await onboard()
  const b = await onboard()
  const domainA = await verifiedDomain(app, dns, a)
  await verifiedDomain(app, dns, b)
  const providerB = await oidcConnection(app, b, idp.issuer())
  const stranger = await federatedSignIn(providerB, `x@unverified-${uniq()}.example`)
  t.same(await memberships(stranger.sub), [], 'an unverified domain: no membership')
  const takeover = await federatedSignIn(providerB, `ceo@${domainA}`)
  t.same(await memberships(takeover.sub), [], 'b\'s provider asserting a\'s domain: nothing in a (or b)')
})

t.test('an existing native account is linked, not duplicated, only for the provider of the verifying tenant', async t => {
  const a = await onboard()
  const b = await onboard()
  const domain = await verifiedDomain(app, dns, a)
  const provider = await oidcConnection(app, a, idp.issuer())
  // The person is already a member of b with a password account at a's domain.
  const email = `pat@${domain}`
  const { userId } = await invite(b.auth, email)
  await stack.activate(email, userId)
  const before = linkCount()
  const event = { ...base, userName: `${provider}_pat-idp-id`, triggerSource: 'PreSignUp_ExternalProvider', request: { userAttributes: { email } }, response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false } } as PreSignUpTriggerEvent
  await preSignUp(event)
  t.equal(linkCount(), before + 1)
  const native = await real.nativeUser(userPoolId, email)
  t.match(stack.shim.linkedIdentities(userPoolId, native?.username ?? ''), [{ providerName: provider, providerUserId: 'pat-idp-id' }], 'linked to the native user')
  await preSignUp(event)
  t.equal(stack.shim.linkedIdentities(userPoolId, native?.username ?? '').length, 1, 'a repeat links nothing new')

  // After the link, Cognito signs the person in as the native user, whose identities name the provider.
  await tokens(native?.username ?? '', { sub: userId, email, email_verified: 'true', identities: identities(provider, 'pat-idp-id') })
  const held = (await memberships(userId)).map(m => m.tenantId).sort()
  t.same(held, [a.tenantId, b.tenantId].sort(), 'keeps b, joins a: one account')

  const c = await onboard()
  const other = await oidcConnection(app, c, idp.issuer()).catch(() => 'none')
  t.equal(other, 'none', 'c has no verified domain, so no connection')
  await preSignUp({ ...event, userName: 'sso-notours_1' })
  t.equal(linkCount(), before + 2, 'a provider that does not serve the domain never links')
})
