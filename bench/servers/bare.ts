// Baseline server: bare Fastify, GET /me returning the same JSON as the real route, with the same response schema, no plugins.
import Fastify from 'fastify'
import { meSchema } from '../../routes/me.js'
import { ME } from '../fixtures.js'

export default function bare () {
  const app = Fastify({ logger: false })
  app.get('/me', { schema: { response: { 200: meSchema.response[200] } } }, async () => ME)
  return app
}
