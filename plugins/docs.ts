// OpenAPI from the route schemas (@fastify/swagger), served with Swagger UI at /docs; the document declares bearer auth.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { declareContextPolicy } from './access-policy.js'

/**
 * In the Lambda bundle (infra/lib/bundling.ts) swagger-ui's static files sit in static/ beside the bundle, and its own
 * __dirname lookup no longer points at them; unbundled, this path does not exist and swagger-ui finds its files itself.
 */
const bundledStatic = fileURLToPath(new URL('./static/', import.meta.url))
const baseDir = existsSync(bundledStatic) ? bundledStatic : undefined

export default fp(async function docs (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'cognito-tenant-api', version: '0.1.0', description: 'Multi-tenant API. The tenant comes from your identity, never from the request.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito access token' } } },
      security: [{ bearerAuth: [] }]
    }
  })
  // swagger-ui registers its routes without route config; this context declares them public (see declareContextPolicy).
  await app.register(async function docsUi (ui) {
    declareContextPolicy(ui, 'public')
    // The documentation has its own per-address bucket (@fastify/rate-limit's groupId, read per request): reading the
    // docs does not spend a client's API budget, nor does API traffic lock it out of the docs. Still limited: it is public.
    ui.addHook('onRoute', route => {
      route.config = { ...route.config, rateLimit: { ...(route.config as { rateLimit?: object } | undefined)?.rateLimit, groupId: 'docs' } } as typeof route.config
    })
    // staticCSP: swagger-ui sets a CSP (with hashes of its own inline code) on its routes, replacing helmet's stricter API default.
    await ui.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, ...(baseDir ? { baseDir } : {}) })
  })
}, { name: 'docs', dependencies: ['access-policy'] })
