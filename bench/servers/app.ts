// Subject server: the real app from buildApp, configured from the environment the bench passes.
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export default async function app () {
  return buildApp(loadConfig())
}
