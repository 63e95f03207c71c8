// Browser-facing HTTP hardening: CORS only for configured origins, helmet's security headers on every response.
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import type { Config } from '../src/config.js'

/**
 * The API serves JSON, not pages: the headers that protect a JSON response (OWASP REST Security Cheat Sheet) and none of
 * helmet's HTML-only ones (DNS prefetch, IE download options, Flash cross-domain policies, XSS auditor, origin-agent
 * cluster, opener policy), which only cost bytes on every response. The CSP forbids everything, framing included.
 * /docs sets its own CSP (plugins/docs.ts).
 */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  dnsPrefetchControl: false,
  ieNoOpen: false,
  permittedCrossDomainPolicies: false,
  xssFilter: false,
  referrerPolicy: { policy: 'no-referrer' }
}

/**
 * The headers @fastify/helmet sets with `options`, asked of @fastify/helmet itself once, at startup. Registered
 * globally it rebuilds helmet's middleware chain on every request (CSP directives parsed and validated again, a dozen
 * closures, two hooks): that was the largest part of the API's per-request overhead. The options are static, so the
 * headers are too: helmet stays the authority on their values, we only stop recomputing them.
 */
export async function helmetHeaders (options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false })
  let headers: Record<string, string> = {}
  try {
    await probe.register(helmet, { ...options, global: true })
    // helmet writes straight to the raw response in onRequest; Fastify's own headers only reach it after onSend.
    probe.addHook('onSend', async (_request, reply) => {
      headers = Object.fromEntries(Object.entries(reply.raw.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]))
    })
    probe.get('/', async () => '')
    const res = await probe.inject('/')
    if (res.statusCode !== 200 || Object.keys(headers).length === 0) throw new Error(`could not read helmet's headers (probe answered ${res.statusCode})`)
  } finally {
    await probe.close()
  }
  return Object.freeze(headers)
}

/** The API's headers, asked of helmet once per process: every later buildApp in the process (each test) reuses them. */
let apiHeadersOnce: Promise<Record<string, string>> | undefined
function apiHeaders () {
  apiHeadersOnce ??= helmetHeaders().catch(err => { apiHeadersOnce = undefined; throw err })
  return apiHeadersOnce
}

export default fp<{ config: Config }>(async function httpSecurity (app, { config }) {
  // No configured origin means no CORS headers at all: browsers on other origins are refused by default. @fastify/cors
  // with origin: false would still run a hook on every request only to decide that, and answer preflights with the
  // not-found handler, exactly what an app without it does; so it is registered only when there are origins.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-tenant-id'],
      exposedHeaders: ['etag', 'location', 'retry-after', 'idempotent-replayed', 'x-next-cursor'],
      maxAge: 600
    })
  }
  // Every request, the not-found ones included, as @fastify/helmet's global hook did. A route may still override one
  // (swagger-ui sets its own CSP in onSend).
  const headers = await apiHeaders()
  app.addHook('onRequest', function securityHeaders (_request, reply, done) {
    reply.headers(headers)
    done()
  })
}, { name: 'http-security' })
