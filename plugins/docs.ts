// OpenAPI from the route schemas (@fastify/swagger), served with Swagger UI at /docs; the document declares bearer auth.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { declareContextPolicy } from './access-policy.js'

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
    // staticCSP: swagger-ui sets a CSP (with hashes of its own inline code) on its routes, replacing helmet's stricter API default.
    await ui.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  })
}, { name: 'docs', dependencies: ['access-policy'] })
