// buildApp(config): registers the plugins, then the routes. No listen, no process handling: see server.ts and lambda.ts.
import Fastify, { type FastifyServerOptions } from 'fastify'
import AjvCompiler from '@fastify/ajv-compiler'
import SerializerCompiler from '@fastify/fast-json-stringify-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import errors from '../plugins/errors.js'
import { clientErrorResponse, problem, sendProblem } from './http/problem.js'
import { redactUrl } from './http/log.js'
import { AccessLogController, writeAccessLine } from './http/access-log.js'
import { lazyChildLogger } from './http/lazy-log.js'
import dynamodb from '../plugins/dynamodb.js'
import type { Dynamo } from './dynamodb/client.js'
import auth from '../plugins/auth.js'
import tenant from '../plugins/tenant.js'
import platformAdmin from '../plugins/platform-admin.js'
import accessPolicy from '../plugins/access-policy.js'
import cognito from '../plugins/cognito.js'
import limits from '../plugins/limits.js'
import type { UserPoolClient } from './cognito/user-pool.js'
import services from '../plugins/services.js'
import type { Mailer } from './notify/mailer.js'
import health from '../routes/health/index.js'
import me from '../routes/me/index.js'
import tenants from '../routes/tenants/index.js'
import ownTenant from '../routes/tenant/index.js'
import users from '../routes/users/index.js'
import invitations from '../routes/me/invitations.js'
import audit from '../routes/audit/index.js'
import httpSecurity from '../plugins/http-security.js'
import rateLimit from '../plugins/rate-limit.js'
import docs from '../plugins/docs.js'
import { resourceRoutes } from '../routes/resources.js'
import domains from '../routes/domains/index.js'
import ssoConnections from '../routes/sso-connections/index.js'
import ssoDiscovery from '../routes/sso/index.js'
import session from '../routes/session/index.js'

const ajvBase = { removeAdditional: false, useDefaults: true, allErrors: false } as const
/**
 * Two validators. Unknown properties are rejected everywhere (400), never silently stripped. Query strings, path
 * parameters and headers arrive as text and are coerced to their schema types; a JSON body already has types, so it is
 * checked as sent ("2" is not a quantity, true is not a price).
 */
function buildValidators (externalSchemas: Parameters<ReturnType<typeof AjvCompiler>>[0]) {
  const factory = AjvCompiler()
  const strict = factory(externalSchemas, { customOptions: { ...ajvBase, coerceTypes: false } })
  const coercing = factory(externalSchemas, { customOptions: { ...ajvBase, coerceTypes: 'array' } })
  return (route: Parameters<typeof strict>[0]) => route.httpPart === 'body' ? strict(route) : coercing(route)
}

type Compiled = ((...args: never[]) => unknown) & { errors?: unknown }
/**
 * A compiled function built on its first call rather than now. Fastify reads a validator's `errors` after calling it
 * (Ajv sets them on the function), so they are copied across after each call.
 */
function onFirstCall<F extends Compiled> (compile: () => F): F {
  let fn: F | undefined
  const lazy = function (this: unknown, ...args: never[]) {
    fn ??= compile()
    const result = fn.apply(this, args)
    lazy.errors = fn.errors
    return result
  } as F
  return lazy
}

/**
 * Validators and serializers compiled when a route first needs them, not at ready(). Compiling every route's schemas
 * (Ajv, its meta-schema, fast-json-stringify) was about half of the Lambda's init (bench/coldstart.ts, bench/README.md);
 * an instance that serves a few routes now compiles those only. A schema Ajv cannot compile fails that route's requests
 * (500) instead of the start, so only the Lambda asks for it; servers and tests compile everything up front.
 */
function lazyCompilers () {
  const serializers = SerializerCompiler()
  return {
    buildValidator: (...setup: Parameters<typeof buildValidators>) => {
      let compilers: ReturnType<typeof buildValidators> | undefined
      return (route: Parameters<ReturnType<typeof buildValidators>>[0]) => onFirstCall(() => (compilers ??= buildValidators(...setup))(route))
    },
    buildSerializer: (...setup: Parameters<typeof serializers>) => {
      let compile: ReturnType<typeof serializers> | undefined
      return (route: Parameters<ReturnType<typeof serializers>>[0]) => onFirstCall(() => (compile ??= serializers(...setup))(route))
    }
  }
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger']
  /** Fastify's limit on each plugin's start (10 s by default); 0 turns it off (bench servers under valgrind start 50 times slower). */
  pluginTimeout?: number
  /** Injected clients, for tests and scripts that already hold one. */
  dynamo?: Dynamo
  cognito?: UserPoolClient
  /** Where the API's notices go (tests: memoryMailer); default from the config (src/notify). */
  mailer?: Mailer
  /**
   * Defer what a cold Lambda does not need for its first request (src/lambda.ts): each route's validators and
   * serializers (lazyCompilers) and Swagger UI (plugins/docs.ts) are built when first requested.
   */
  lazy?: boolean
  /** Test-only: shorter waits, so tests of time-bound behaviour need not sit on the real clock for seconds. */
  timing?: {
    /** How long /health/ready waits for each check (default 1200 ms, inside the 2 s promise). */
    readinessTimeoutMs?: number
    /** How long a tenant-optional route skips the lookup after a failed one (default DEGRADED_TTL_MS). */
    degradedTtlMs?: number
    /** The clock of token verification (lifetimes, the token cache, JWKS pacing) and of the degraded window; Date.now by default. */
    now?: () => number
  }
}

/** The `req` of the request log lines: Fastify's own serializer, with credentials in the query string redacted. */
export function requestSerializer (req: { method: string, url: string, host?: string, ip?: string, headers?: Record<string, string | string[] | undefined>, socket?: { remotePort?: number } }) {
  const version = req.headers?.['accept-version']
  return {
    method: req.method,
    url: redactUrl(req.url),
    version: typeof version === 'string' ? version : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort
  }
}

export const loggerOptions = (level: string) => ({
  level,
  serializers: { req: requestSerializer },
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.token', '*.accessToken', '*.idToken'], censor: '[redacted]' }
})

/** Trusts the `hops` nearest proxies (proxy-addr's hop index 0 is the socket peer), like Express's numeric trust proxy. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops

export async function buildApp (config: Config, opts: AppOptions = {}) {
  const app = Fastify({
    logger: opts.logger ?? false,
    // A request's pino child is made only when it writes a line (src/http/lazy-log.ts).
    ...(opts.logger ? { childLoggerFactory: lazyChildLogger } : {}),
    ...(opts.pluginTimeout === undefined ? {} : { pluginTimeout: opts.pluginTimeout }),
    // One access line per request at info, instead of Fastify's two (src/http/access-log.ts).
    logController: new AccessLogController(),
    schemaController: { compilersFactory: opts.lazy ? lazyCompilers() : { buildValidator: buildValidators } },
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
    return503OnClosing: true,
    // request.ip keys the anonymous rate-limit and failed-authentication buckets: X-Forwarded-For only from trusted
    // proxies. Fastify 5 treats a numeric trustProxy as "trust nothing", so a hop count is a function of the hop index.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Requests Node's HTTP parser refuses (431 headers too large, 408, 400) never reach Fastify: problem+json too.
    clientErrorHandler (err, socket) {
      if ((err as { code?: string }).code === 'ECONNRESET' || socket.destroyed) return
      if (socket.writable) socket.end(clientErrorResponse(err as { code?: string }))
      else socket.destroy(err)
    },
    // Errors the router raises before any handler (bad URL, oversized path parameter, ...) are problems too.
    frameworkErrors (err, request, reply) {
      const status = (err as { statusCode?: number }).statusCode
      const sent = sendProblem(reply, problem(typeof status === 'number' && status >= 400 && status < 500 ? status : 400, 'The request could not be routed'))
      // The router's refusals skip the log controller: their access line is written here.
      writeAccessLine(null, request, reply)
      return sent
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(errors)
  // CORS first: its preflight route answers before any authentication (browsers send no token on OPTIONS).
  await app.register(httpSecurity, { config })
  await app.register(dynamodb, { config, dynamo: opts.dynamo })
  await app.register(limits, { config })
  await app.register(cognito, { config, cognito: opts.cognito })
  await app.register(auth, { config, now: opts.timing?.now })
  await app.register(tenant, { config, degradedTtlMs: opts.timing?.degradedTtlMs, now: opts.timing?.now })
  await app.register(platformAdmin, { config })
  await app.register(services, { config, mailer: opts.mailer })
  await app.register(accessPolicy)
  // After access-policy, so the limiter runs after authenticate → tenant → groups and can key on the tenant.
  await app.register(rateLimit, { config })
  // Before the routes, so @fastify/swagger sees them all.
  await app.register(docs, { lazyUi: opts.lazy })

  await app.register(health, { config, checkTimeoutMs: opts.timing?.readinessTimeoutMs })
  await app.register(me)
  await app.register(tenants)
  await app.register(ownTenant)
  await app.register(users)
  await app.register(invitations)
  await app.register(audit)
  for (const routes of resourceRoutes) await app.register(routes)
  await app.register(domains)
  await app.register(ssoConnections)
  await app.register(ssoDiscovery)
  await app.register(session, { config })
  return app
}
