// The console calls the API from another origin (CloudFront or `npm run dev`'s console server): every preflight it
// causes must pass for the configured origin, with exactly the headers it sends, and the ETag must be readable.
import t from 'tap'
import { build } from '../helpers/build.js'

const ORIGIN = 'https://console.example.com'
// What web/src sends: the token and X-Tenant-Id on every call (web/src/api/client.ts), a JSON body, Idempotency-Key on
// POST /orders and If-Match on PATCH /orders/:id.
const calls: Array<[string, string, string]> = [
  ['GET', '/me', 'authorization'],
  ['GET', '/orders', 'authorization,x-tenant-id'],
  ['POST', '/orders', 'authorization,content-type,idempotency-key,x-tenant-id'],
  ['PATCH', '/orders/00abc', 'authorization,content-type,if-match,x-tenant-id'],
  ['POST', '/users', 'authorization,content-type,x-tenant-id'],
  ['PUT', '/users/u1/groups/admins', 'authorization,x-tenant-id'],
  ['DELETE', '/users/u1', 'authorization,x-tenant-id'],
  ['POST', '/me/invitations/t1', 'authorization'],
  ['PATCH', '/tenants/t1', 'authorization,content-type']
]

t.test('the console\'s preflights pass for its origin, and only for it', async t => {
  const app = await build(t, { CORS_ORIGINS: `${ORIGIN},http://127.0.0.1:3001` })
  for (const [method, url, headers] of calls) {
    const res = await app.inject({ method: 'OPTIONS', url, headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': headers } })
    t.equal(res.statusCode, 204, `${method} ${url}`)
    t.equal(res.headers['access-control-allow-origin'], ORIGIN)
    t.match(String(res.headers['access-control-allow-methods']), method)
    const allowed = String(res.headers['access-control-allow-headers']).split(/,\s*/)
    for (const h of headers.split(',')) t.ok(allowed.includes(h), `${method} ${url} allows ${h}`)
  }
  const other = await app.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  t.notOk(other.headers['access-control-allow-origin'], 'another origin gets no allow-origin')
  const actual = await app.inject({ url: '/health', headers: { origin: ORIGIN } })
  t.match(String(actual.headers['access-control-expose-headers']), /etag/, 'the console can read the ETag')
})
