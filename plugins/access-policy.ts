// Deny by default: every route must declare config.auth; this attaches authentication, tenant resolution and the group check.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import { GROUPS, type Group } from '../src/domain/model.js'
import type { AuthPolicy } from '../src/domain/principal.js'
import { InsufficientScopeError } from '../src/auth/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig { auth?: AuthPolicy }
}

class MissingPolicyError extends Error {
  override name = 'MissingPolicyError'
}

const kContextPolicy = Symbol.for('app.access-policy.context')

/**
 * Declares the policy of every route registered in this encapsulated context (and its children) that declares none
 * itself. For third-party plugins that register routes without letting us pass route config (@fastify/swagger-ui):
 * a child context's onRoute hooks run after the inherited ones, so a hook there would come too late to set config.auth.
 * The opt-in stays explicit and visible at the registration site; no route becomes public by omission.
 */
export function declareContextPolicy (instance: FastifyInstance, policy: AuthPolicy) {
  instance.decorate(kContextPolicy, { getter: () => policy })
}

/** Throws at startup on a route without a valid policy: no route is ever reachable by omission. */
function checkPolicy (route: Pick<RouteOptions, 'method' | 'url' | 'config'>): AuthPolicy {
  const policy = (route.config as { auth?: unknown } | undefined)?.auth
  const where = `${String(route.method)} ${route.url}`
  if (policy === 'public') return policy
  if (policy === null || typeof policy !== 'object') throw new MissingPolicyError(`Route ${where} declares no access policy (config.auth)`)
  const p = policy as Exclude<AuthPolicy, 'public'>
  if (p.groups !== undefined && (!Array.isArray(p.groups) || p.groups.length === 0 || p.groups.some(g => !GROUPS.includes(g as Group)))) {
    throw new MissingPolicyError(`Route ${where} has an invalid config.auth.groups`)
  }
  if (p.tenant !== undefined && !['required', 'optional', 'none'].includes(p.tenant)) {
    throw new MissingPolicyError(`Route ${where} has an invalid config.auth.tenant`)
  }
  return p
}

export default fp(async function accessPolicy (app) {
  app.addHook('onRoute', function (route) {
    const contextPolicy = (this as unknown as Record<symbol, AuthPolicy | undefined>)[kContextPolicy]
    if (contextPolicy !== undefined && (route.config as { auth?: unknown } | undefined)?.auth === undefined) {
      route.config = { ...route.config, auth: contextPolicy } as typeof route.config
    }
    // HEAD routes are generated from GET routes and share their config.
    const policy = checkPolicy(route)
    if (policy === 'public') return
    const tenant = policy.tenant ?? 'required'
    if (tenant !== 'none' && !app.hasDecorator('tenantHook')) {
      throw new MissingPolicyError(`Route ${String(route.method)} ${route.url} needs a tenant but the tenant plugin is not registered`)
    }
    // Callback-style hooks: on the common path (token and membership cached) they complete synchronously.
    const hooks: onRequestHookHandler[] = [app.authenticateHook]
    // Every authenticated request counts against its caller before anything else is looked up (plugins/rate-limit.ts).
    if (app.hasDecorator('callerLimitHook')) hooks.push(app.callerLimitHook)
    if (tenant !== 'none') hooks.push(app.tenantHook(tenant === 'required'))
    const groups = policy.groups
    if (groups) {
      hooks.push(function groupsHook (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
        // Within a tenant, the membership's groups are authoritative (a demotion takes effect before the token expires);
        // the token's groups count only on platform routes (tenant: 'none'). A tenant route whose tenant did not
        // resolve (optional, or DynamoDB down) holds no group at all: the fallback must never widen access.
        const held = tenant === 'none' ? (request.principal?.groups ?? []) : (request.tenant?.groups ?? [])
        done(groups.some(g => held.includes(g)) ? undefined : new InsufficientScopeError())
      })
    }
    if (tenant === 'none' && groups?.includes('platform-admins')) {
      // The token's group is only a claim that may be an hour old: Cognito confirms the operator is still one.
      if (!app.hasDecorator('confirmPlatformAdmin')) {
        throw new MissingPolicyError(`Route ${String(route.method)} ${route.url} is for platform admins but the platform-admin plugin is not registered`)
      }
      hooks.push(async function platformAdminHook (request: FastifyRequest) { await app.confirmPlatformAdmin(request) })
    }
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : []
    route.onRequest = [...hooks, ...existing]
  })
}, { name: 'access-policy', dependencies: ['auth'] })
