// Subject server of the shipped-* scenarios: the app as `npm start` runs it (src/server.ts), from the compiled dist/
// (`npm run build`): loadConfig's defaults from the environment, pino at LOG_LEVEL through the server's stdout
// destination. serve.ts adds the threadpool preload `npm start` uses. `--enable-source-maps` is left out: it costs only
// when a stack trace is formatted. Under valgrind (BENCH_INSTRUCTIONS) no plugin or socket timeout, as in app-log.ts:
// a cold app there outlasts both; nothing counted depends on them.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'

export default async function appShipped () {
  const dist = join(process.cwd(), 'dist', 'src')
  const load = async <T>(file: string) => await import(pathToFileURL(join(dist, file)).href) as T
  const { buildApp, loggerOptions } = await load<typeof import('../../src/app.js')>('app.js')
  const { loadConfig } = await load<typeof import('../../src/config.js')>('config.js')
  const { logDestination, flushLogs } = await load<typeof import('../../src/log-destination.js')>('log-destination.js')
  const config = loadConfig()
  const valgrind = process.env.BENCH_INSTRUCTIONS === '1'
  const logs = logDestination()
  const app = await buildApp(config, { logger: { ...loggerOptions(config.LOG_LEVEL), stream: logs }, ...(valgrind ? { pluginTimeout: 0 } : {}) })
  app.addHook('onClose', () => flushLogs(logs))
  if (valgrind) app.server.setTimeout(0)
  return app
}
