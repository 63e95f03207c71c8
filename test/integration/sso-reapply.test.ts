// The deploy step's re-apply (#28, decision 0022) against DynamoDB Local and the Cognito shim: connections made through
// the API, then the client's provider list reset to COGNITO only as a CloudFormation update of the client does, then
// the re-apply puts every connection's provider back, keeps the client's other settings, and is idempotent.
import t from 'tap'
import { DeleteIdentityProviderCommand, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider'
import { clientUpdate, identityProviderOperations } from '../../src/cognito/identity-providers.js'
import { reapplyClientProviders } from '../../src/services/sso/reapply.js'
import { reapplyResourceHandler, type CustomResourceEvent } from '../../src/services/sso/reapply-resource.js'
import { ssoRepository } from '../../src/repositories/sso.js'
import { oidcConnection, startSsoStack, verifiedDomain } from '../helpers/sso.js'

const { dns, idp, stack, app, org, cognito: cognitoClient } = await startSsoStack(t)
const { onboard } = org
const { userPoolId, clientId, documentClient, tableName } = stack.services

const operations = identityProviderOperations(cognitoClient, userPoolId, async call => await call())
const reapply = async () => await reapplyClientProviders({ dynamo: { doc: documentClient, tableName }, cognito: operations, clientId })
const describeClient = async () => (await cognitoClient.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }))).UserPoolClient
/** What a deploy that updates the client does: CloudFormation writes the template's list, COGNITO only. */
const deployResetsList = async () => {
  const client = await describeClient()
  if (client === undefined) throw new Error('no client')
  await cognitoClient.send(new UpdateUserPoolClientCommand(clientUpdate(client, { SupportedIdentityProviders: ['COGNITO'] })))
}

t.test('after a deploy resets the list to COGNITO, the re-apply restores every tenant\'s provider', async t => {
  const tenants = await Promise.all([onboard(), onboard()])
  await Promise.all(tenants.map(async x => await verifiedDomain(app, dns, x)))
  const names = await Promise.all(tenants.map(async x => await oidcConnection(app, x, idp.issuer())))
  const settingsBefore = await describeClient()
  t.ok(names.every(n => settingsBefore?.SupportedIdentityProviders?.includes(n)), 'the API put them on the client')

  await deployResetsList()
  t.same((await describeClient())?.SupportedIdentityProviders, ['COGNITO'], 'the deploy dropped them')

  const result = await reapply()
  const after = await describeClient()
  for (const n of names) t.ok(after?.SupportedIdentityProviders?.includes(n), `${n} is back`)
  t.equal(after?.SupportedIdentityProviders?.[0], 'COGNITO', 'password sign-in stays first')
  t.ok(names.every(n => result.added.includes(n)), 'reported as added')
  t.same({ ...after, SupportedIdentityProviders: undefined, LastModifiedDate: undefined }, { ...settingsBefore, SupportedIdentityProviders: undefined, LastModifiedDate: undefined }, 'no other setting of the client changed')

  const again = await reapply()
  t.same(again.added, [], 'a second run adds nothing')
  t.same(again.providers, after?.SupportedIdentityProviders, 'and leaves the list as it was')

  // The API still works on the restored list: deleting a connection takes its provider off.
  const del = await app.inject({ method: 'DELETE', url: `/sso-connections/${names[0] ?? ''}`, headers: tenants[0]?.auth ?? {} })
  t.equal(del.statusCode, 204, del.body)
  t.notOk((await describeClient())?.SupportedIdentityProviders?.includes(names[0] ?? ''), 'removed by the API')
  t.notOk((await reapply()).providers.includes(names[0] ?? ''), 'and the re-apply does not bring it back')
})

t.test('a connection whose provider does not exist (mid-create or mid-delete) is skipped, not a failed deploy', async t => {
  const a = await onboard()
  await verifiedDomain(app, dns, a)
  const name = await oidcConnection(app, a, idp.issuer())
  await deployResetsList()
  await cognitoClient.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name }))
  const result = await reapply()
  t.ok(result.skipped.includes(name), 'reported as skipped')
  t.notOk(result.providers.includes(name), 'not on the client')
})

t.test('which providers exist is checked under the lease: one the API deletes while holding it is not put back', async t => {
  const a = await onboard()
  await verifiedDomain(app, dns, a)
  const name = await oidcConnection(app, a, idp.issuer())
  await deployResetsList()
  // The API's DELETE holds the client's lease while it takes the provider off, then deletes the provider.
  const repo = ssoRepository({ doc: documentClient, tableName })
  t.ok(await repo.acquireLease(clientId, 'api-delete', 30_000), 'the API holds the lease')
  const running = reapply()
  await new Promise(resolve => setTimeout(resolve, 300))
  await cognitoClient.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name }))
  await repo.releaseLease(clientId, 'api-delete')
  const result = await running
  t.ok(result.skipped.includes(name), 'seen as gone')
  t.notOk((await describeClient())?.SupportedIdentityProviders?.includes(name), 'not put back')
})

t.test('the custom resource answers CloudFormation: re-applies on Create/Update, nothing on Delete, FAILED on an error', async t => {
  const answers: Array<Record<string, unknown>> = []
  const put = async (_url: string, body: string) => { answers.push(JSON.parse(body) as Record<string, unknown>) }
  const calls: string[] = []
  const handler = reapplyResourceHandler(async id => { calls.push(id); if (id === 'broken') throw new Error('boom'); return { providers: ['COGNITO'], added: [], skipped: [] } }, put)
  const event = (RequestType: CustomResourceEvent['RequestType'], ClientId: string): CustomResourceEvent =>
    ({ RequestType, ResponseURL: 'https://example.invalid/r', StackId: 's', RequestId: 'r', LogicalResourceId: 'l', PhysicalResourceId: 'p', ResourceProperties: { ClientId } })
  await handler(event('Update', clientId))
  await handler(event('Delete', clientId))
  await handler(event('Update', 'broken'))
  t.same(calls, [clientId, 'broken'], 'Delete re-applies nothing')
  t.match(answers, [{ Status: 'SUCCESS', PhysicalResourceId: 'p', RequestId: 'r' }, { Status: 'SUCCESS' }, { Status: 'FAILED', Reason: 'boom' }])
})
