// The shim answers the identity-provider operations cognito-local lacks, validated as Cognito validates them, and
// UpdateUserPoolClient as Cognito does it (a left-out setting is reset; only existing providers may be listed).
// Against the real emulator behind the shim; the providers in memory, then in a file that a second shim reads back.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateIdentityProviderCommand,
  DeleteIdentityProviderCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  GetIdentityProviderByIdentifierCommand,
  ListIdentityProvidersCommand,
  UpdateIdentityProviderCommand,
  AdminCreateUserCommand,
  AdminLinkProviderForUserCommand,
  UpdateUserPoolClientCommand
} from '@aws-sdk/client-cognito-identity-provider'
import t from 'tap'
import { localCognitoClient } from '../../src/local/clients.js'
import { startCognitoShim } from '../../src/local/cognito-shim.js'
import { MAX_PROVIDERS_PER_POOL } from '../../src/local/identity-providers.js'
import { startServices } from '../helpers/local-services.js'

t.setTimeout(120_000)

const services = await startServices(t)
const file = join(mkdtempSync(join(tmpdir(), 'shim-idp-')), 'identity-providers.json')
const shim = await startCognitoShim(services.cognitoEndpoint, { identityProviderFile: file })
t.teardown(shim.close)
const cognito = localCognitoClient(shim.endpoint)
t.teardown(() => cognito.destroy())
const { userPoolId, clientId } = services

const oidc = (name: string, ids: string[] = []) => new CreateIdentityProviderCommand({
  UserPoolId: userPoolId,
  ProviderName: name,
  ProviderType: 'OIDC',
  ProviderDetails: { client_id: 'abc', client_secret: 's3cret', authorize_scopes: 'openid email', oidc_issuer: 'https://idp.example.com' },
  AttributeMapping: { email: 'email' },
  IdpIdentifiers: ids
})

t.test('create, describe, update, list, delete', async t => {
  const created = await cognito.send(oidc('acme-oidc', ['acme.example']))
  t.equal(created.IdentityProvider?.ProviderName, 'acme-oidc')
  t.equal(created.IdentityProvider?.ProviderDetails?.client_secret, 's3cret', 'Describe returns the OIDC secret, as Cognito does')
  t.ok(created.IdentityProvider?.CreationDate instanceof Date)

  await t.rejects(cognito.send(oidc('acme-oidc')), { name: 'DuplicateProviderException' }, 'names are unique in the pool')
  await t.rejects(cognito.send(oidc('other', ['acme.example'])), { name: 'InvalidParameterException' }, 'identifiers are unique in the pool')

  const updated = await cognito.send(new UpdateIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'acme-oidc', IdpIdentifiers: ['acme.example', 'acme.test'] }))
  t.same(updated.IdentityProvider?.IdpIdentifiers, ['acme.example', 'acme.test'])
  t.equal(updated.IdentityProvider?.ProviderDetails?.client_id, 'abc', 'what the update leaves out stays')
  const byId = await cognito.send(new GetIdentityProviderByIdentifierCommand({ UserPoolId: userPoolId, IdpIdentifier: 'acme.test' }))
  t.equal(byId.IdentityProvider?.ProviderName, 'acme-oidc')

  const listed = await cognito.send(new ListIdentityProvidersCommand({ UserPoolId: userPoolId }))
  t.same(listed.Providers?.map(p => p.ProviderName), ['acme-oidc'])

  // Kept in the file: a second shim (the next `npm run dev`) knows the provider.
  const again = await startCognitoShim(services.cognitoEndpoint, { identityProviderFile: file })
  const other = localCognitoClient(again.endpoint)
  t.equal((await other.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'acme-oidc' }))).IdentityProvider?.ProviderType, 'OIDC')
  other.destroy()
  await again.close()

  await cognito.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'acme-oidc' }))
  await t.rejects(cognito.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'acme-oidc' })), { name: 'ResourceNotFoundException' })
  await t.rejects(cognito.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'acme-oidc' })), { name: 'ResourceNotFoundException' })
})

t.test('validation as Cognito: names, identifiers, details, pool', async t => {
  await t.rejects(cognito.send(oidc('x'.repeat(33))), { name: 'InvalidParameterException' }, 'a name over 32 characters')
  await t.rejects(cognito.send(oidc('COGNITO')), { name: 'InvalidParameterException' }, 'the reserved name')
  await t.rejects(cognito.send(oidc('long-id', ['a'.repeat(41)])), { name: 'InvalidParameterException' }, 'an identifier over 40 characters')
  await t.rejects(cognito.send(oidc('empty-id', [''])), { name: 'InvalidParameterException' }, 'an empty identifier')
  await t.rejects(cognito.send(oidc('many-ids', Array.from({ length: 51 }, (_, i) => `d${i}.example`))), { name: 'InvalidParameterException' }, '51 identifiers')
  await t.rejects(cognito.send(new CreateIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'no-meta', ProviderType: 'SAML', ProviderDetails: {} })), { name: 'InvalidParameterException' }, 'SAML without metadata')
  await t.rejects(cognito.send(new CreateIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: 'no-issuer', ProviderType: 'OIDC', ProviderDetails: { client_id: 'a', authorize_scopes: 'openid' } })), { name: 'InvalidParameterException' }, 'OIDC without an issuer')
  await t.rejects(cognito.send(new DescribeIdentityProviderCommand({ UserPoolId: 'us-east-1_nopool', ProviderName: 'x' })), { name: 'ResourceNotFoundException' }, 'an unknown pool')
  t.same((await cognito.send(new ListIdentityProvidersCommand({ UserPoolId: userPoolId }))).Providers, [], 'nothing refused was stored')
})

t.test(`at most ${MAX_PROVIDERS_PER_POOL} providers per pool; List pages through them`, async t => {
  for (let i = 0; i < MAX_PROVIDERS_PER_POOL; i++) await cognito.send(oidc(`prov${i}`))
  await t.rejects(cognito.send(oidc('one-more')), { name: 'LimitExceededException' })
  const names: string[] = []
  let NextToken: string | undefined
  do {
    const page = await cognito.send(new ListIdentityProvidersCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken }))
    for (const p of page.Providers ?? []) names.push(p.ProviderName ?? '')
    NextToken = page.NextToken
  } while (NextToken !== undefined)
  t.equal(names.length, MAX_PROVIDERS_PER_POOL)
  for (let i = 0; i < MAX_PROVIDERS_PER_POOL; i++) await cognito.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: `prov${i}` }))
})

t.test('UpdateUserPoolClient resets what it leaves out and lists only existing providers', async t => {
  await cognito.send(oidc('acme-sso', ['acme.example']))
  const describe = async () => (await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }))).UserPoolClient
  const before = await describe()
  t.ok(before?.ExplicitAuthFlows?.includes('ALLOW_USER_PASSWORD_AUTH'))

  await t.rejects(cognito.send(new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, SupportedIdentityProviders: ['COGNITO', 'nobody'] })),
    { name: 'InvalidParameterException', message: /nobody does not exist/ })

  // Only the provider list given: the auth flows go back to Cognito's defaults, as in AWS.
  await cognito.send(new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, SupportedIdentityProviders: ['COGNITO', 'acme-sso'] }))
  const reset = await describe()
  t.same(reset?.SupportedIdentityProviders, ['COGNITO', 'acme-sso'])
  t.notOk(reset?.ExplicitAuthFlows?.includes('ALLOW_USER_PASSWORD_AUTH'), 'a setting left out is reset')

  // Read, change one field, write all of it back: everything else survives.
  const { UserPoolId, ClientId, ClientName, ExplicitAuthFlows, CallbackURLs, TokenValidityUnits, AccessTokenValidity, IdTokenValidity, RefreshTokenValidity } = before ?? {}
  await cognito.send(new UpdateUserPoolClientCommand({ UserPoolId, ClientId, ClientName, ExplicitAuthFlows, CallbackURLs, TokenValidityUnits, AccessTokenValidity, IdTokenValidity, RefreshTokenValidity, SupportedIdentityProviders: ['COGNITO', 'acme-sso'] }))
  const whole = await describe()
  t.same(whole?.ExplicitAuthFlows, before?.ExplicitAuthFlows)
  t.same(whole?.SupportedIdentityProviders, ['COGNITO', 'acme-sso'])
  t.ok(shim.answered.includes('UpdateUserPoolClient'))
})

t.test('AdminLinkProviderForUser: an existing user and provider, one user per identity, at most 5 per user', async t => {
  await cognito.send(oidc('link-idp'))
  const { User } = await cognito.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: 'lee@example.com', UserAttributes: [{ Name: 'email', Value: 'lee@example.com' }], MessageAction: 'SUPPRESS' }))
  const link = (user: string, provider: string, id: string) => cognito.send(new AdminLinkProviderForUserCommand({
    UserPoolId: userPoolId, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: user }, SourceUser: { ProviderName: provider, ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: id }
  }))
  await link('lee@example.com', 'link-idp', 'id-0')
  t.match(shim.linkedIdentities(userPoolId, User?.Username ?? ''), [{ providerName: 'link-idp', providerUserId: 'id-0' }])
  await t.rejects(link('nobody@example.com', 'link-idp', 'id-x'), { name: 'UserNotFoundException' })
  await t.rejects(link('lee@example.com', 'no-such-idp', 'id-x'), { name: 'InvalidParameterException' })
  for (let i = 1; i < 5; i++) await link('lee@example.com', 'link-idp', `id-${i}`)
  await t.rejects(link('lee@example.com', 'link-idp', 'id-5'), { name: 'LimitExceededException' }, 'a sixth identity')
})
