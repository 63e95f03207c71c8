// Which addresses an SSO fetch may reach: public unicast only (the SSRF guard of src/services/sso/public-fetch.ts).
import t from 'tap'
import { fetchPublic, isPublicAddress } from '../../src/services/sso/public-fetch.js'

t.test('loopback, link-local, private, CGNAT, reserved and mapped forms are not public', async t => {
  for (const a of ['127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
    '::1', '::', 'fe80::1', 'fd00::1', 'fc00::2', '::ffff:127.0.0.1', '::ffff:169.254.169.254', 'ff02::1', 'not-an-ip']) {
    t.notOk(isPublicAddress(a), a)
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '52.94.236.248', '2606:4700:4700::1111', '::ffff:8.8.8.8']) t.ok(isPublicAddress(a), a)
})

t.test('refused before any connection: not a URL, not https, credentials in the URL, a private literal', async t => {
  const opts = { allowPrivate: false }
  await t.rejects(fetchPublic('issuer', 'nope', opts), { statusCode: 400, message: /not a URL/ })
  await t.rejects(fetchPublic('issuer', 'http://example.com/x', opts), { statusCode: 400, message: /must use https/ })
  await t.rejects(fetchPublic('issuer', 'https://u:p@example.com/x', opts), { statusCode: 400, message: /credentials/ })
  await t.rejects(fetchPublic('issuer', 'https://[::1]:9/x', opts), { statusCode: 400, message: /not a public address/ })
  await t.rejects(fetchPublic('issuer', 'https://10.1.2.3/x', opts), { statusCode: 400, message: /not a public address/ })
})
