// Cold-start baseline (bench/coldstart.ts): bare Fastify behind @fastify/aws-lambda, GET /health with the same body and
// response schema as the app's, no plugins. Bundled by the same NodejsFunction settings as the API (infra/lib/bundling.ts).
import Fastify from 'fastify'
import awsLambdaFastify from '@fastify/aws-lambda'

const app = Fastify({ logger: false })
app.get('/health', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } } } }, async () => ({ status: 'ok' as const }))

export const handler = awsLambdaFastify(app)
await app.ready()
