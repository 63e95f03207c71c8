// Real cognito-local tokens through the real app: access and ID tokens, client rules, tampering, readiness.
import t from 'tap'
import type { Test } from 'tap'
import { build } from '../helpers/build.js'
import { startServices, type LocalServices } from '../helpers/local-services.js'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { tenantItem } from '../../src/repositories/tenants.js'
import { membershipItem } from '../../src/repositories/memberships.js'

t.setTimeout(120_000)

let services: LocalServices
t.before(async () => { services = await startServices(t) })

/** The app trusting this run's pool and using its table. */
const appWith = async (t: Test, env: Record<string, string> = {}) => await build(t, { ...services.env, ...env })

t.test('real cognito-local tokens', async t => {
  const user = await services.createUser({ email: 'carol@example.com', password: 'Passw0rd!long', groups: [], tenantId: 'tenant-42' })
  const { accessToken, idToken } = await services.signIn({ email: 'carol@example.com', password: 'Passw0rd!long' })
  const app = await appWith(t)

  const ok = await app.inject({ url: '/me', headers: { authorization: `Bearer ${accessToken}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), { userId: user.userId, groups: [], tenantId: null, tenants: [] })

  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${idToken}` } })).statusCode, 401, 'ID token refused by default')
  const [h, p, s] = accessToken.split('.') as [string, string, string]
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
  const forged = Buffer.from(JSON.stringify({ ...payload, 'cognito:groups': ['platform-admins'] })).toString('base64url')
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${h}.${forged}.${s}` } })).statusCode, 401, 'tampered')

  // The ID token's custom:tenant_id alone proves nothing: without a membership to confirm it, it is a disagreement.
  const unconfirmed = await appWith(t, { ACCEPT_ID_TOKENS: 'true' })
  t.equal((await unconfirmed.inject({ url: '/me', headers: { authorization: `Bearer ${idToken}` } })).statusCode, 403, 'claim without membership')
  const now = new Date().toISOString()
  await services.documentClient.send(new PutCommand({ TableName: services.tableName, Item: tenantItem({ tenantId: 'tenant-42', name: 'T42', status: 'active', createdAt: now, updatedAt: now }) }))
  await services.documentClient.send(new PutCommand({ TableName: services.tableName, Item: membershipItem({ tenantId: 'tenant-42', userId: user.userId, email: 'carol@example.com', groups: ['admins'], status: 'active', createdAt: now, updatedAt: now }) }))
  const withId = await appWith(t, { ACCEPT_ID_TOKENS: 'true' })
  const res = await withId.inject({ url: '/me', headers: { authorization: `Bearer ${idToken}` } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { userId: user.userId, email: 'carol@example.com', tenantId: 'tenant-42', groups: ['admins'] })

  const otherClient = await appWith(t, { COGNITO_CLIENT_IDS: 'someotherclient' })
  t.equal((await otherClient.inject({ url: '/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode, 401, 'client_id not configured')
})

t.test('readiness loads the pool\'s signing keys', async t => {
  const app = await appWith(t)
  await t.resolves(app.signingKeysReady())
  const res = await app.inject('/health/ready')
  t.equal(res.statusCode, 200)
})
