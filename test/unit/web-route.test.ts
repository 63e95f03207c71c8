// The console's route parser (web/src/route.ts): whatever the address bar holds, it answers and never throws.
import t from 'tap'
import { parseRoute, routeHref } from '../../web/src/route.js'

t.test('a screen and its tenant, decoded', async t => {
  t.same(parseRoute('#/orders/acme%20corp'), { screen: 'orders', tenantId: 'acme corp' })
  t.same(parseRoute('#/tenants'), { screen: 'tenants', tenantId: null })
  t.same(parseRoute(''), { screen: null, tenantId: null })
  t.same(parseRoute('#/'), { screen: null, tenantId: null })
})

t.test('a malformed escape names nothing instead of throwing a URIError', async t => {
  t.throws(() => decodeURIComponent('%E0'), URIError, 'what the parser must not let through')
  t.same(parseRoute('#/orders/%E0'), { screen: 'orders', tenantId: null })
  t.same(parseRoute('#/%E0%A4%A/x'), { screen: null, tenantId: 'x' })
  t.same(parseRoute('#/users/%'), { screen: 'users', tenantId: null })
})

t.test('routeHref encodes what parseRoute decodes', async t => {
  t.equal(routeHref('orders', 'a/b c'), '#/orders/a%2Fb%20c')
  t.same(parseRoute(routeHref('orders', 'a/b c')), { screen: 'orders', tenantId: 'a/b c' })
  t.equal(routeHref('tenants'), '#/tenants')
})
