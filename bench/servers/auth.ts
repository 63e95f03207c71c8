// Authentication alone: bare Fastify plus the app's own errors, auth and access-policy plugins, configured from the
// same environment as the app, and a /me/token route answering from the principal. What the authentication issue's
// targets describe (its reference stacks were bare Fastify plus a JWT verifier); the full app adds tenancy, rate
// limiting and security headers on top, and bench/servers/app.ts measures that. BENCH_SECURITY_HEADERS=1 adds the
// app's security headers (plugins/http-security.ts) where the app registers them: the cost of those alone, for
// bench/auth.ts's auth-headers scenario.
import Fastify from 'fastify'
import { loadConfig } from '../../src/config.js'
import errors from '../../plugins/errors.js'
import auth from '../../plugins/auth.js'
import accessPolicy from '../../plugins/access-policy.js'
import httpSecurity from '../../plugins/http-security.js'
import { meSchema, toMe } from '../../routes/me/index.js'

export default async function authOnly () {
  const config = loadConfig()
  const app = Fastify({ logger: false })
  await app.register(errors)
  if (process.env.BENCH_SECURITY_HEADERS === '1') await app.register(httpSecurity, { config })
  await app.register(auth, { config })
  await app.register(accessPolicy)
  app.get('/me/token', { config: { auth: { tenant: 'none' } }, schema: { response: { 200: meSchema.response[200] } } }, async (request) => {
    const principal = request.principal
    if (!principal) throw new Error('GET /me/token reached without a principal')
    return toMe(principal, null, { email: null, tenants: [] })
  })
  return app
}
