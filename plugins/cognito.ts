// Decorates the app with the Cognito admin-API client (src/cognito/user-pool.ts), closed with the app.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { createUserPoolClient, type UserPoolClient } from '../src/cognito/user-pool.js'

declare module 'fastify' {
  interface FastifyInstance { cognito: UserPoolClient }
}

export default fp<{ config: Config, cognito?: UserPoolClient }>(async function cognito (app, opts) {
  const client = opts.cognito ?? createUserPoolClient(opts.config, {
    limitStore: app.limitStore,
    onLimitStoreError: err => app.log.warn({ err }, 'shared limit store failed; the Cognito budget is paced per instance for a second')
  })
  app.decorate('cognito', client)
  if (!opts.cognito) app.addHook('onClose', async () => { client.close() })
}, { name: 'cognito', dependencies: ['limits'] })
