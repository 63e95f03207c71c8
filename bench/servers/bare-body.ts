// Baseline of the shipped-* scenarios: bare Fastify answering GET /me with BENCH_BODY (the body the shipped app
// answers for the same token, fetched by the scenario's setup) through the app's response schema, nothing else.
import Fastify from 'fastify'
import { meSchema } from '../../routes/me/index.js'

export default function bareBody () {
  const body = JSON.parse(process.env.BENCH_BODY ?? 'null') as unknown
  if (body === null) throw new Error('BENCH_BODY is required')
  const app = Fastify({ logger: false })
  app.get('/me', { schema: { response: { 200: meSchema.response[200] } } }, async () => body)
  return app
}
