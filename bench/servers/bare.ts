// Baseline server: bare Fastify, GET /me (and /me/token) returning the same JSON as the subject, with the same response schema, no plugins.
import Fastify from 'fastify'
import { meSchema } from '../../routes/me/index.js'
import { ME, ME_FROM_TOKEN } from '../fixtures.js'

export default function bare () {
  const app = Fastify({ logger: false })
  app.get('/me', { schema: { response: { 200: meSchema.response[200] } } }, async () => ME)
  // The baseline of bench/servers/auth.ts: the same path and body, nothing else.
  app.get('/me/token', { schema: { response: { 200: meSchema.response[200] } } }, async () => ME_FROM_TOKEN)
  return app
}
