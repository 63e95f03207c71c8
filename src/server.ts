// Process entry: load config, build the app, listen, and shut down gracefully on signals.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp, loggerOptions } from './app.js'
import { flushLogs, logDestination } from './log-destination.js'

let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  throw err
}
// Even inside a Lambda-looking environment, a listening server must verify tokens itself: apigateway mode trusts unverified claims.
if (config.AUTH_MODE === 'apigateway') {
  process.stderr.write('Configuration error: AUTH_MODE=apigateway is for the Lambda handler (src/lambda.ts) only; src/server.ts requires AUTH_MODE=jwt\n')
  process.exit(1)
}

// stdout, written as src/log-destination.ts chose by measurement; every held line is written before the process exits.
const logs = logDestination()
const app = await buildApp(config, { logger: { ...loggerOptions(config.LOG_LEVEL), stream: logs } })

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing')
  await app.close()
  await flushLogs(logs)
})

try {
  await app.listen({ port: config.PORT, host: config.HOST })
} catch (err) {
  app.log.fatal({ err }, 'could not listen')
  process.exit(1)
}
