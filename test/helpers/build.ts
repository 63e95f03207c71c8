// Builds the app for a test with a given environment; closed when the test ends.
import type { Test } from 'tap'
import { buildApp, type AppOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export const baseEnv = {
  COGNITO_USER_POOL_ID: 'us-east-1_TestPool1',
  COGNITO_CLIENT_IDS: 'client-one,client-two',
  TABLE_NAME: 'test-table',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  LOG_LEVEL: 'silent',
  // One process: the shared limits count in memory unless a test asks for the table (LIMITS_STORE=dynamodb).
  LIMITS_STORE: 'memory'
}

export type App = Awaited<ReturnType<typeof buildApp>>

/** `beforeReady` can add routes or parsers of the test's own, which Fastify only accepts before ready(). */
export async function build (t: Test, env: Record<string, string> = {}, opts: AppOptions = {}, beforeReady?: (app: App) => unknown) {
  const config = loadConfig({ ...baseEnv, ...env })
  const app = await buildApp(config, opts)
  t.teardown(() => app.close())
  await beforeReady?.(app)
  await app.ready()
  return app
}
