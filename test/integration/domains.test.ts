// Verified domains end to end: a DNS server on loopback (dns2) holds the TXT records, DynamoDB Local the claims.
import t from 'tap'
import { startUsersStack } from '../helpers/users-stack.js'
import { orgHelpers, uniq } from '../helpers/org.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { keys } from '../../src/repositories/keys.js'

const dns = await startDnsServer(t)
const stack = await startUsersStack(t)
const app = await stack.app(t, { DNS_SERVERS: dns.server })
const operator = stack.bearer(await stack.platformAdminToken())
const { onboard } = orgHelpers(stack, app, operator)
const { item } = stack.services

const post = (auth: { authorization: string }, url: string, payload?: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: auth, ...(payload !== undefined ? { payload } : {}) })

t.test('a tenant admin verifies a domain against DNS; a second tenant cannot claim it; pending rivals end', async t => {
  const a = await onboard()
  const b = await onboard()
  const c = await onboard()
  const domain = `acme-${uniq()}.example`
  const claimed = await post(a.auth, '/domains', { domain })
  t.equal(claimed.statusCode, 201)
  const record = claimed.json().record as { name: string, type: string, value: string }
  t.match(claimed.json(), { domain, status: 'pending', record: { name: `_tenant-verification.${domain}`, type: 'TXT', value: /^tenant-verification=.{20,}/ } })
  t.equal((await post(a.auth, '/domains', { domain })).statusCode, 200, 'claiming again answers the same claim')
  t.equal((await post(a.auth, '/domains', { domain })).json().record.value, record.value)
  t.equal((await post(c.auth, '/domains', { domain })).statusCode, 201, 'several tenants may hold pending claims')

  const notYet = await post(a.auth, `/domains/${domain}/verify`)
  t.equal(notYet.statusCode, 409, 'nothing published yet')
  t.match(notYet.json().errors, [{ path: record.name, message: 'no TXT record found' }])
  dns.txt.set(record.name, ['v=spf1 -all', 'tenant-verification=wrong'])
  const wrong = await post(a.auth, `/domains/${domain}/verify`)
  t.equal(wrong.statusCode, 409)
  t.match(wrong.json().errors, [{ message: 'found "v=spf1 -all"' }, { message: 'found "tenant-verification=wrong"' }], 'what DNS holds there')

  dns.txt.set(record.name, [record.value])
  const ok = await post(a.auth, `/domains/${domain}/verify`)
  t.equal(ok.statusCode, 200, ok.body)
  t.match(ok.json(), { domain, status: 'verified', verifiedAt: String })
  t.notOk(ok.json().record, 'no record to publish any more')
  t.match(await item(keys.domainOwner(domain)), { tenantId: a.tenantId })
  t.equal((await post(a.auth, `/domains/${domain}/verify`)).statusCode, 200, 'verifying again is a no-op')

  const second = await post(b.auth, '/domains', { domain })
  t.equal(second.statusCode, 409, 'a verified domain cannot be claimed again')
  t.match(second.json(), { detail: 'The domain is verified by another tenant' })
  t.match((await app.inject({ url: '/domains', headers: c.auth })).json().items, [{ domain, status: 'ended' }], 'the rival claim ended')
  t.equal((await post(c.auth, `/domains/${domain}/verify`)).statusCode, 409)
  const audit = (await app.inject({ url: '/audit?limit=3', headers: a.auth })).json().items as Array<{ action: string }>
  t.match(audit[0], { action: 'domain.verified', details: { domain } })

  t.equal((await app.inject({ method: 'DELETE', url: `/domains/${domain}`, headers: a.auth })).statusCode, 204, 'released')
  t.equal(await item(keys.domainOwner(domain)), null)
  t.equal((await post(b.auth, '/domains', { domain })).statusCode, 201, 'then another tenant may claim it')
})

t.test('consumer mail domains, malformed names and members are refused', async t => {
  const a = await onboard()
  const gmail = await post(a.auth, '/domains', { domain: 'gmail.com' })
  t.equal(gmail.statusCode, 400)
  t.match(gmail.json(), { detail: /consumer mail domain/ })
  for (const domain of ['Acme.io', 'acme.io.', 'acme', '-acme.io', 'a#b.io', 'x'.repeat(64) + '.io']) {
    t.equal((await post(a.auth, '/domains', { domain })).statusCode, 400, domain)
  }
  t.equal((await post(a.auth, '/domains/nowhere.example/verify')).statusCode, 404)
  const email = `m-${uniq()}@example.com`
  const { userId } = (await post(a.auth, '/users', { email })).json() as { userId: string }
  const member = stack.bearer(await stack.activate(email, userId))
  t.equal((await post(member, '/domains', { domain: 'member.example' })).statusCode, 403, 'tenant admins only')
})

t.test('an unverified claim expires', async t => {
  const shortLived = await stack.app(t, { DNS_SERVERS: dns.server, DOMAIN_CLAIM_TTL_SECONDS: '60' })
  const a = await onboard()
  const domain = `late-${uniq()}.example`
  t.equal((await shortLived.inject({ method: 'POST', url: '/domains', headers: a.auth, payload: { domain } })).statusCode, 201)
  // The claim's expiry, moved into the past as the table's TTL would find it.
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb')
  await stack.services.documentClient.send(new UpdateCommand({ TableName: stack.services.tableName, Key: keys.domainClaim(a.tenantId, domain), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': 1 } }))
  t.match((await app.inject({ url: '/domains', headers: a.auth })).json().items, [{ domain, status: 'expired' }])
  t.equal((await post(a.auth, `/domains/${domain}/verify`)).statusCode, 404, 'an expired claim cannot be verified')
  const again = await post(a.auth, '/domains', { domain })
  t.equal(again.statusCode, 201, 'a new claim replaces it')
})
