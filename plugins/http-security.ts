// Browser-facing HTTP hardening: CORS only for configured origins, helmet's security headers on every response.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { Config } from '../src/config.js'

export default fp<{ config: Config }>(async function httpSecurity (app, { config }) {
  // No configured origin means no CORS headers at all: browsers on other origins are refused by default.
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
    exposedHeaders: ['etag', 'location', 'retry-after', 'idempotent-replayed'],
    maxAge: 600
  })
  // The API serves JSON: helmet's default CSP fits it. /docs sets its own CSP (plugins/docs.ts).
  await app.register(helmet, { global: true })
}, { name: 'http-security' })
