// Baseline server: bare Fastify, GET /me returning the same JSON as the real route, with the same response schema, no plugins.
import Fastify from 'fastify'
import { meSchema } from '../../routes/me.js'

export const ME = { userId: 'user-123', username: 'alice@example.com', email: null, tenantId: null, groups: ['members'], scopes: ['aws.cognito.signin.user.admin'] }

export default function bare () {
  const app = Fastify({ logger: false })
  app.get('/me', { schema: { response: { 200: meSchema.response[200] } } }, async () => ME)
  return app
}
