// OpenAPI from the route schemas (@fastify/swagger), served with Swagger UI at /docs; the document declares bearer auth.
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { declareContextPolicy } from './access-policy.js'

/**
 * In the Lambda bundle (infra/lib/bundling.ts) swagger-ui's static files sit in static/ beside the bundle, and its own
 * __dirname lookup no longer points at them; unbundled, this path does not exist and swagger-ui finds its files itself.
 */
const bundledStatic = fileURLToPath(new URL('./static/', import.meta.url))
const baseDir = existsSync(bundledStatic) ? bundledStatic : undefined
// staticCSP: swagger-ui sets a CSP (with hashes of its own inline code) on its routes, replacing helmet's stricter API default.
const uiOptions = { routePrefix: '/docs', staticCSP: true, ...(baseDir ? { baseDir } : {}) }

export interface DocsOptions {
  /**
   * Build Swagger UI on the first /docs request instead of at startup (the Lambda, src/lambda.ts): loading and
   * registering swagger-ui and @fastify/static was ~40 ms of every cold start, for pages a cold instance rarely serves.
   */
  lazyUi?: boolean
}

export default fp<DocsOptions>(async function docs (app, opts) {
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
    if (opts.lazyUi) lazySwaggerUi(ui, app)
    else await ui.register(await loadSwaggerUi(), uiOptions)
  })
}, { name: 'docs', dependencies: ['access-policy'] })

/**
 * swagger-ui (with @fastify/static, glob and mime, ~0.2 MB bundled) by a dynamic import: the Lambda's split build
 * (infra/lib/bundling.ts) leaves it in a chunk of its own that is read and compiled only when the UI is built.
 */
const loadSwaggerUi = async () => (await import('@fastify/swagger-ui')).default

/** Response headers of the inner instance not to copy: the outer reply sets its own framing. */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date'])

/**
 * /docs and /docs/* answered by swagger-ui in an instance of its own, built on the first such request and fed this
 * app's OpenAPI document. Its headers (content type, caching, swagger-ui's CSP) replace this app's, as swagger-ui's
 * own onSend does when registered here; a file it does not have is this app's 404.
 */
function lazySwaggerUi (ui: FastifyInstance, app: FastifyInstance) {
  let inner: Promise<FastifyInstance> | undefined
  const build = async () => {
    const docsApp = Fastify({ logger: false })
    await docsApp.register(swagger, { mode: 'static', specification: { document: app.swagger() as never } })
    await docsApp.register(await loadSwaggerUi(), uiOptions)
    await docsApp.ready()
    return docsApp
  }
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    inner ??= build().catch(err => { inner = undefined; throw err })
    const res = await (await inner).inject({ method: request.method as 'GET', url: request.url, headers: request.headers })
    const csp = res.headers['content-security-policy']
    if (csp !== undefined) reply.header('content-security-policy', csp)
    if (res.statusCode === 404) return reply.callNotFound()
    for (const [name, value] of Object.entries(res.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) reply.header(name, value)
    // An empty body (a redirect) goes out as none, without the content type Fastify gives a buffer.
    return reply.code(res.statusCode).send(res.rawPayload.length > 0 ? res.rawPayload : undefined)
  }
  for (const url of ['/docs', '/docs/*']) ui.get(url, { schema: { hide: true } }, forward)
}
