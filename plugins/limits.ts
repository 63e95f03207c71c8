// Decorates the app with the store of its shared limits (src/limits/store.ts): DynamoDB, or this process's memory.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { createLimitStore, createMemoryLimitStore, type LimitStore } from '../src/limits/store.js'

declare module 'fastify' {
  interface FastifyInstance { limitStore: LimitStore }
}

export default fp<{ config: Config, store?: LimitStore }>(async function limits (app, opts) {
  app.decorate('limitStore', opts.store ?? (opts.config.LIMITS_STORE === 'memory' ? createMemoryLimitStore() : createLimitStore(app.dynamo)))
}, { name: 'limits', dependencies: ['dynamodb'] })
