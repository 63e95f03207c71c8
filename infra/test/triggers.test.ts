// Unit tests of the Cognito trigger logic, with the AWS SDK mocked (no AWS, no local services).
import t from 'tap'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import type { PostConfirmationTriggerEvent, PreSignUpTriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import { preSignUp } from '../../src/cognito/triggers/pre-sign-up.js'
import { createPostConfirmationHandler, tenantIdFor, tenantNameFor } from '../../src/cognito/triggers/post-confirmation.js'
import { createPreTokenGenerationHandler } from '../../src/cognito/triggers/pre-token-generation.js'
import { keys } from '../../src/repositories/keys.js'
import { TABLE } from '../../src/dynamodb/table.js'

const TABLE_NAME = 'test-table'
const SUB = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'
const NOW = new Date('2026-01-02T03:04:05.000Z')

const dynamoMock = mockClient(DynamoDBDocumentClient)
const cognitoMock = mockClient(CognitoIdentityProviderClient)
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }))
// Reads answer nothing unless a test says otherwise (no verified domain, no membership).
t.beforeEach(() => { dynamoMock.reset(); cognitoMock.reset(); dynamoMock.on(GetCommand).resolves({}) })

const base = { version: '1', region: 'eu-west-1', userPoolId: 'eu-west-1_abc', userName: SUB, callerContext: { awsSdkVersion: '3', clientId: 'client' } }

function signUpEvent (triggerSource: PreSignUpTriggerEvent['triggerSource'], userAttributes: Record<string, string>): PreSignUpTriggerEvent {
  return { ...base, triggerSource, request: { userAttributes }, response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false } } as PreSignUpTriggerEvent
}
function confirmEvent (triggerSource: PostConfirmationTriggerEvent['triggerSource'], userAttributes: Record<string, string>): PostConfirmationTriggerEvent {
  return { ...base, triggerSource, request: { userAttributes }, response: {} } as PostConfirmationTriggerEvent
}
function tokenEvent (userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return { ...base, version: '2', triggerSource: 'TokenGeneration_Authentication', request: { userAttributes, groupConfiguration: {} }, response: { claimsAndScopeOverrideDetails: {} } } as unknown as PreTokenGenerationV2TriggerEvent
}

t.test('pre sign-up', async t => {
  await t.rejects(preSignUp(signUpEvent('PreSignUp_SignUp', { email: 'a@b.co', 'custom:tenant_id': 'other' })), /may not set the tenant/)
  await t.rejects(preSignUp(signUpEvent('PreSignUp_ExternalProvider', { email: 'a@b.co', 'custom:tenant_id': 'other' })), /may not set the tenant/)
  const plain = signUpEvent('PreSignUp_SignUp', { email: 'a@b.co' })
  t.same(await preSignUp(plain), plain, 'a sign-up without a tenant passes untouched')
  const invite = signUpEvent('PreSignUp_AdminCreateUser', { email: 'a@b.co', 'custom:tenant_id': 't1' })
  t.same(await preSignUp(invite), invite, 'the API invite flow (AdminCreateUser) may set the tenant')
})

t.test('post confirmation', async t => {
  const handler = createPostConfirmationHandler({ dynamo, tableName: TABLE_NAME, now: () => NOW })
  const tenantId = tenantIdFor(SUB)

  t.test('creates tenant (adminCount 1) + admin membership + email record in one transaction; no Cognito group (the membership makes the admin)', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    dynamoMock.on(TransactWriteCommand).resolves({})
    const event = confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'Alice@Acme.io' })
    t.same(await handler(event), event)

    const [query] = dynamoMock.commandCalls(QueryCommand)
    t.match(query?.args[0].input, { TableName: TABLE_NAME, IndexName: TABLE.gsi1.indexName, ExpressionAttributeValues: { ':pk': keys.userIndexPk(SUB) } })

    const writes = dynamoMock.commandCalls(TransactWriteCommand)
    t.equal(writes.length, 1, 'exactly one TransactWriteItems')
    const items = writes[0]!.args[0].input.TransactItems!
    t.equal(items.length, 4)
    const at = NOW.toISOString()
    t.strictSame(items[0]!.Put!.Item, {
      ...keys.tenant(tenantId),
      GSI1PK: keys.tenantsIndexPk,
      GSI1SK: `${at}#${tenantId}`,
      type: 'tenant',
      tenantId,
      name: 'acme.io',
      status: 'active',
      createdAt: at,
      updatedAt: at,
      adminCount: 1
    }, 'the tenant counts its founder as its one admin (the last-admin guard)')
    t.strictSame(items[1]!.Put!.Item, {
      ...keys.membership(tenantId, SUB),
      ...keys.membershipIndex(tenantId, SUB),
      type: 'membership',
      tenantId,
      userId: SUB,
      email: 'alice@acme.io',
      groups: ['admins'],
      status: 'active',
      createdAt: at,
      updatedAt: at,
      cognitoUsername: SUB
    }, 'the membership has the normalized email and the Cognito username')
    t.match(items[2]!.Update, { Key: keys.account(SUB), ConditionExpression: 'attribute_not_exists(deleting)', ExpressionAttributeValues: { ':one': 1, ':live': 1 } }, 'the founder\'s account counts one live membership')
    t.strictSame(items[3]!.Put!.Item, {
      PK: 'EMAIL#alice@acme.io',
      SK: 'EMAIL',
      type: 'emailClaim',
      email: 'alice@acme.io',
      status: 'user',
      userId: SUB,
      username: SUB,
      createdAt: at
    }, 'the global email record names the founder\'s Cognito user, for the normalized address')
    for (const item of items.slice(0, 2)) {
      t.equal(item.Put!.TableName, TABLE_NAME)
      t.equal(item.Put!.ConditionExpression, 'attribute_not_exists(PK)')
    }
    t.equal(items[3]!.Put!.TableName, TABLE_NAME)
    t.equal(items[3]!.Put!.ConditionExpression, undefined, 'Cognito has just confirmed the address as this user\'s: any other record of it is stale and replaced')
    t.equal(cognitoMock.calls().length, 0, 'no Cognito call: no group, and never the immutable custom:tenant_id')
  })

  t.test('the membership keeps Cognito\'s username when it differs from the sub', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    dynamoMock.on(TransactWriteCommand).resolves({})
    await handler({ ...confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'alice@acme.io' }), userName: 'cognito-user-name' })
    const items = dynamoMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!
    t.equal(items[1]!.Put!.Item!.cognitoUsername, 'cognito-user-name')
    t.equal(items[1]!.Put!.Item!.userId, SUB, 'the membership is still keyed by the sub')
    t.equal(items[3]!.Put!.Item!.username, 'cognito-user-name', 'and so does the email record')
  })

  t.test('a failed condition that is not a concurrent run of this trigger fails the confirmation', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    dynamoMock.on(TransactWriteCommand).rejects(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }))
    dynamoMock.on(GetCommand).resolves({})
    await t.rejects(handler(confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'alice@acme.io' })), /cancelled/)
    t.equal(cognitoMock.calls().length, 0, 'no Cognito call')
  })

  t.test('a confirmed user without an email gets nothing', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    await t.rejects(handler(confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB })), /no email/)
    t.equal(dynamoMock.commandCalls(TransactWriteCommand).length, 0)
    t.equal(cognitoMock.calls().length, 0)
  })

  t.test('a retry after success reuses the membership: no second tenant', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [{ tenantId: 'existing1', userId: SUB }] })
    await handler(confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'alice@acme.io' }))
    t.equal(dynamoMock.commandCalls(TransactWriteCommand).length, 0)
    t.equal(cognitoMock.calls().length, 0)
  })

  t.test('a concurrent retry the index has not seen yet loses the condition and goes on', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    dynamoMock.on(TransactWriteCommand).rejects(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }] }))
    dynamoMock.on(GetCommand, { Key: keys.membership(tenantId, SUB) }).resolves({ Item: { tenantId, userId: SUB } })
    await handler(confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'alice@acme.io' }))
    const gets = dynamoMock.commandCalls(GetCommand).map(c => c.args[0].input)
    t.strictSame(gets.at(-1), { TableName: TABLE_NAME, Key: keys.membership(tenantId, SUB), ConsistentRead: true }, 'the membership is read after the lost condition')
    t.equal(cognitoMock.calls().length, 0)
  })

  t.test('a cancelled transaction without our membership is an error', async t => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] })
    dynamoMock.on(TransactWriteCommand).rejects(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] }))
    dynamoMock.on(GetCommand).resolves({})
    await t.rejects(handler(confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'alice@acme.io' })), /cancelled/)
    t.equal(cognitoMock.calls().length, 0)
  })

  t.test('other trigger sources and invited users are left alone', async t => {
    const forgot = confirmEvent('PostConfirmation_ConfirmForgotPassword', { sub: SUB, email: 'alice@acme.io' })
    t.same(await handler(forgot), forgot)
    const invited = confirmEvent('PostConfirmation_ConfirmSignUp', { sub: SUB, email: 'bob@acme.io', 'custom:tenant_id': 't1' })
    t.same(await handler(invited), invited)
    t.equal(dynamoMock.calls().length, 0)
    t.equal(cognitoMock.calls().length, 0)
  })

  t.test('tenant ids and names', async t => {
    t.match(tenantIdFor(SUB), /^[a-z0-9]{16}$/)
    t.equal(tenantIdFor(SUB), tenantIdFor(SUB), 'same user, same id (what makes retries safe)')
    t.not(tenantIdFor(SUB), tenantIdFor('another-user'))
    t.equal(tenantNameFor('alice@Acme.io'), 'acme.io')
    t.equal(tenantNameFor('alice@gmail.com'), "alice@gmail.com's tenant")
  })
})

t.test('pre token generation V2', async t => {
  const handler = createPreTokenGenerationHandler({ dynamo, tableName: TABLE_NAME, now: () => NOW.getTime() })
  const member = (tenantId: string, status = 'active', invitation?: Record<string, unknown>) =>
    ({ Item: { ...keys.membership(tenantId, SUB), tenantId, userId: SUB, email: 'a@b.co', groups: ['members'], status, createdAt: 'c', updatedAt: 'u', ...(invitation ? { invitation } : {}) } })
  /** Memberships of SUB in these tenants, and a profile with this default (or none). */
  function table (memberships: Record<string, ReturnType<typeof member>>, defaultTenantId?: string) {
    dynamoMock.on(GetCommand).resolves({})
    for (const [tenantId, item] of Object.entries(memberships)) dynamoMock.on(GetCommand, { Key: keys.membership(tenantId, SUB) }).resolves(item)
    if (defaultTenantId) dynamoMock.on(GetCommand, { Key: keys.userProfile(SUB) }).resolves({ Item: { ...keys.userProfile(SUB), defaultTenantId, updatedAt: 'u' } })
  }
  const withMetadata = (event: PreTokenGenerationV2TriggerEvent, tenantId: string) =>
    ({ ...event, request: { ...event.request, clientMetadata: { tenant_id: tenantId } } }) as PreTokenGenerationV2TriggerEvent

  t.test('the home tenant, confirmed by its membership: access token only (the ID token has the attribute)', async t => {
    table({ t1: member('t1') })
    const out = await handler(tokenEvent({ sub: SUB, 'custom:tenant_id': 't1' }))
    t.strictSame(out.response.claimsAndScopeOverrideDetails, { accessTokenGeneration: { claimsToAddOrOverride: { 'custom:tenant_id': 't1' } } })
    t.ok(dynamoMock.commandCalls(GetCommand).some(c => c.args[0].input.ConsistentRead === true), 'the membership is read consistently')
  })

  t.test('the default tenant wins over the home tenant; both tokens say so', async t => {
    table({ t1: member('t1'), t2: member('t2') }, 't2')
    const out = await handler(tokenEvent({ sub: SUB, 'custom:tenant_id': 't1' }))
    t.strictSame(out.response.claimsAndScopeOverrideDetails, {
      accessTokenGeneration: { claimsToAddOrOverride: { 'custom:tenant_id': 't2' } },
      idTokenGeneration: { claimsToAddOrOverride: { 'custom:tenant_id': 't2' } }
    })
  })

  t.test('ClientMetadata.tenant_id is honoured only for a usable membership', async t => {
    table({ t1: member('t1'), t2: member('t2'), t3: member('t3', 'disabled') })
    const asked = await handler(withMetadata(tokenEvent({ sub: SUB, 'custom:tenant_id': 't1' }), 't2'))
    t.match(asked.response.claimsAndScopeOverrideDetails, { accessTokenGeneration: { claimsToAddOrOverride: { 'custom:tenant_id': 't2' } } }, 'asked and confirmed')
    for (const refused of ['t3', 'not-mine', 'a#b']) {
      const out = await handler(withMetadata(tokenEvent({ sub: SUB, 'custom:tenant_id': 't1' }), refused))
      t.strictSame(out.response.claimsAndScopeOverrideDetails, { accessTokenGeneration: { claimsToAddOrOverride: { 'custom:tenant_id': 't1' } } }, `${refused}: refused, the home tenant instead`)
    }
  })

  t.test('a pending invitation (an account that existed before) is not a tenant to put in a token', async t => {
    table({ t2: member('t2', 'invited', { invitedAt: 'x', invitedBy: 'y', expiresAt: '2999-01-01T00:00:00.000Z', createdUser: false }) })
    const out = await handler(withMetadata(tokenEvent({ sub: SUB }), 't2'))
    t.strictSame(out.response.claimsAndScopeOverrideDetails, {})
  })

  t.test('nothing confirmed (a platform admin, a removed home membership): nothing added', async t => {
    table({})
    t.strictSame((await handler(tokenEvent({ sub: SUB }))).response.claimsAndScopeOverrideDetails, {})
    t.strictSame((await handler(tokenEvent({ sub: SUB, 'custom:tenant_id': 'gone' }))).response.claimsAndScopeOverrideDetails, {})
  })
})

t.test('the Lambda entry points: handlers from src/, built at the first invocation from TABLE_NAME', async t => {
  const entries = {
    preSignUp: await import('../triggers/pre-sign-up.js'),
    postConfirmation: await import('../triggers/post-confirmation.js'),
    preTokenGeneration: await import('../triggers/pre-token-generation.js')
  }
  t.equal(typeof entries.preSignUp.handler, 'function', 'pre sign-up: built at the first invocation (it links federated identities)')
  const plainSignUp = signUpEvent('PreSignUp_SignUp', { email: 'a@b.co' })
  const saved = process.env.TABLE_NAME
  t.teardown(() => { if (saved === undefined) delete process.env.TABLE_NAME; else process.env.TABLE_NAME = saved })
  delete process.env.TABLE_NAME
  // A native sign-up runs only the check, from a module with no SDK client: no table is needed, nothing is called.
  t.same(await entries.preSignUp.handler(plainSignUp), plainSignUp, 'a native sign-up needs no table')
  await t.rejects(entries.preSignUp.handler(signUpEvent('PreSignUp_SignUp', { email: 'a@b.co', 'custom:tenant_id': 'x' })), /may not set the tenant/, 'the check runs in the entry')
  const federated = { ...signUpEvent('PreSignUp_ExternalProvider', { email: 'a@b.co' }), userName: 'sso-abc_123' }
  await t.rejects(entries.preSignUp.handler(federated), /TABLE_NAME is not set/, 'a federated sign-up loads the linking path, which needs the table')
  const forgot = confirmEvent('PostConfirmation_ConfirmForgotPassword', { sub: SUB, email: 'a@b.co' })
  await t.rejects(entries.postConfirmation.handler(forgot), /TABLE_NAME is not set/, 'no table, no handler')
  process.env.TABLE_NAME = TABLE_NAME
  dynamoMock.reset()
  t.same(await entries.postConfirmation.handler(forgot), forgot, 'built once the table is named')
  t.equal(dynamoMock.calls().length, 0)
  t.equal(typeof entries.preTokenGeneration.handler, 'function')
  t.same(await entries.preSignUp.handler(plainSignUp), plainSignUp, 'a self sign-up passes through the entry untouched')
  dynamoMock.reset()
  dynamoMock.onAnyCommand().resolves({ Items: [] })
  t.same(await entries.preSignUp.handler(federated), federated, 'a federated sign-up of no connected domain: unchanged, after the linking path looked')
  t.ok(dynamoMock.calls().length > 0, 'the linking path asked the table')
})
