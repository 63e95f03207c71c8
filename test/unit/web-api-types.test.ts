// The console's API types are the API's: web/src/api/schema.d.ts, regenerated here from the routes, must equal the
// committed file. A route schema change that the console does not follow fails here (run `npm run web:api-types`),
// and then in `npm run typecheck` wherever the console uses what changed.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { API_TYPES_FILE, apiTypes, openApiDocument } from '../../src/scripts/web-api-types.js'

t.test('web/src/api/schema.d.ts is up to date with the route schemas', async t => {
  const committed = readFileSync(API_TYPES_FILE, 'utf8')
  const fresh = await apiTypes()
  // Not t.equal on 170 KB of text: a stale file gets one clear line and the command that fixes it.
  t.ok(committed === fresh, 'web/src/api/schema.d.ts is stale: run `npm run web:api-types` and commit the result')
})

t.test('the document names every operation the console calls', async t => {
  const paths = (await openApiDocument()).paths as Record<string, Record<string, unknown>>
  const used: Array<[string, string]> = [
    ['/me', 'get'], ['/me/invitations', 'get'], ['/me/invitations/{tenantId}', 'post'], ['/me/invitations/{tenantId}', 'delete'],
    ['/orders', 'get'], ['/orders', 'post'], ['/orders/{orderId}', 'patch'],
    ['/users', 'get'], ['/users', 'post'], ['/users/{userId}', 'patch'], ['/users/{userId}', 'delete'],
    ['/users/{userId}/groups/{group}', 'put'], ['/users/{userId}/groups/{group}', 'delete'], ['/users/{userId}/invitation', 'post'],
    ['/audit', 'get'], ['/tenants', 'get'], ['/tenants', 'post'], ['/tenants/{tenantId}', 'patch']
  ]
  for (const [path, method] of used) t.ok(paths[path]?.[method], `${method.toUpperCase()} ${path}`)
})
