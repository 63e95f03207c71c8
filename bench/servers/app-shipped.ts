// Subject server of the shipped-* scenarios: the app as `npm start` runs it, from the compiled dist/ (`npm run build`),
// configured from the environment alone (loadConfig's defaults, LOG_LEVEL=warn). serve.ts adds the threadpool preload
// `npm start` uses. `--enable-source-maps` is left out: it costs only when a stack trace is formatted.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'

export default async function appShipped () {
  const dist = join(process.cwd(), 'dist', 'src')
  const { buildApp } = await import(pathToFileURL(join(dist, 'app.js')).href) as typeof import('../../src/app.js')
  const { loadConfig } = await import(pathToFileURL(join(dist, 'config.js')).href) as typeof import('../../src/config.js')
  return buildApp(loadConfig())
}
