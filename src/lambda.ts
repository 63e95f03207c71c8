// Lambda entry: the same app behind API Gateway, built once per cold start and reused by every invocation.
import awsLambdaFastify from '@fastify/aws-lambda'
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda'
import { loadConfig } from './config.js'
import { buildApp, loggerOptions } from './app.js'
import { logDestination } from './log-destination.js'

// A configuration error throws here, failing the init phase with the one-line message in the function's log.
const config = loadConfig()
// Synchronous writes to stdout (CloudWatch): nothing is in flight or held when an invocation ends and the function is
// frozen, so no line is lost (bench/README.md, "Logging cost").
const app = await buildApp(config, { logger: { ...loggerOptions(config.LOG_LEVEL), stream: logDestination({ sync: true }) }, lazy: true })

/** request.awsLambda.event is how plugins/auth reads the authorizer's claims in AUTH_MODE=apigateway. */
export const handler = awsLambdaFastify<APIGatewayProxyEventV2WithJWTAuthorizer>(app, { decorateRequest: true })
await app.ready()
