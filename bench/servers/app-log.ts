// The real app (buildApp) with a real pino logger at LOG_LEVEL, writing through the server's destination
// (src/log-destination.ts) to a file instead of stdout: /dev/null unless BENCH_LOG_FILE names one ("{pid}" in it
// becomes the process id, so processes of one side write apart). BENCH_LOG_SYNC (0/1) and BENCH_LOG_MIN_LENGTH
// override the server's write mode, to measure the alternatives (bench/README.md, "Logging cost"). No plugin start
// timeout: under valgrind on a loaded host the docs plugin alone took more than Fastify's 10 s.
import { buildApp, loggerOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { flushLogs, logDestination, type LogDestinationOptions } from '../../src/log-destination.js'

export default async function appLog () {
  const config = loadConfig()
  const opts: LogDestinationOptions = { dest: (process.env.BENCH_LOG_FILE ?? '/dev/null').replaceAll('{pid}', String(process.pid)) }
  if (process.env.BENCH_LOG_SYNC) opts.sync = process.env.BENCH_LOG_SYNC === '1'
  if (process.env.BENCH_LOG_MIN_LENGTH) opts.minLength = Number(process.env.BENCH_LOG_MIN_LENGTH)
  const stream = logDestination(opts)
  const app = await buildApp(config, { logger: { ...loggerOptions(config.LOG_LEVEL), stream }, pluginTimeout: 0 })
  app.addHook('onClose', () => flushLogs(stream))
  // Under valgrind on a loaded host a connection can wait more than the app's 10 s connectionTimeout for its response,
  // and the server then hangs up on the load generator (seen 2026-12-04). Nothing measured depends on that timeout.
  app.server.setTimeout(0)
  return app
}
