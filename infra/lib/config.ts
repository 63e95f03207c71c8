// Reads the deployment settings for one stage from CDK context (cdk.json defaults, overridden by `-c key=value`).
import * as path from 'node:path'
import type { Node } from 'constructs'
import { repoPath } from './bundling.js'

const STAGES = ['dev', 'prod'] as const
export type Stage = typeof STAGES[number]

export interface StageConfig {
  stage: Stage
  /** Prefix of physical names and stack names, e.g. saas-app-dev; the table's name as it is. */
  prefix: string
  /** Cognito hosted UI domain prefix: <prefix>.auth.<region>.amazoncognito.com; must be unique in the region. */
  domainPrefix: string
  /** Redirect URIs besides the console's own (added by the stack): local development, a custom domain. */
  callbackUrls: string[]
  logoutUrls: string[]
  /** Browser origins the API allows besides the console's own (added by the stack), e.g. a local dev server. */
  corsOrigins: string[]
  /** The web console's build output to deploy (`npm run web:build` writes web/dist); absolute. */
  consoleAssetPath: string
  /** Passwordless email one-time codes as a first sign-in factor, besides passwords. */
  passwordless: boolean
  /**
   * API Gateway throttling for every route of the HTTP API's stage (requests per second, and burst). The app's own
   * per-tenant limit (@fastify/rate-limit) counts in memory per Lambda instance, so this is the only limit that holds
   * across instances.
   */
  throttle: { rateLimit: number, burstLimit: number }
}

/** Defaults for the stage throttle; size them to the measured peak before a launch. */
export const DEFAULT_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const

type Raw = Record<string, unknown>

/** `-c` values arrive as strings; cdk.json values keep their JSON type. Accept both. */
function asBoolean (value: unknown, key: string): boolean {
  if (value === undefined) return false
  if (typeof value === 'boolean') return value
  if (value === 'true') return true
  if (value === 'false') return false
  throw new Error(`context ${key} must be true or false, got ${String(value)}`)
}

/** Trimmed and without blanks before the emptiness check: `-c callbackUrls=,` or `[" "]` is an empty list too. */
function asList (value: unknown, key: string): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : []
  const list = raw.map(v => String(v).trim()).filter(v => v !== '')
  if (list.length === 0) throw new Error(`context ${key} must be a non-empty list (JSON array or comma-separated)`)
  return list
}

/** Like asList, but an absent key or an empty list is allowed. */
function asOptionalList (value: unknown, key: string): string[] {
  return value === undefined || (Array.isArray(value) && value.length === 0) || value === '' ? [] : asList(value, key)
}

/** A positive number (an integer if asked); `-c` gives strings, cdk.json numbers. */
function asPositive (value: unknown, key: string, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`context ${key} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`)
  return n
}

/** Cognito accepts http:// only for localhost; failing at synth beats failing half-way through a deploy. */
function assertCallbackUrl (url: string, key: string): void {
  const parsed = new URL(url)
  if (parsed.protocol !== 'https:' && parsed.hostname !== 'localhost') throw new Error(`context ${key}: ${url} must use https (http is only allowed for localhost)`)
}

/** A bare origin (scheme, host, port; no path, not even /), https unless localhost: what the browser sends as Origin. */
function assertOrigin (origin: string, key: string): void {
  assertCallbackUrl(origin, key)
  if (new URL(origin).origin !== origin) throw new Error(`context ${key}: ${origin} must be an origin like https://app.example.com, without a path or trailing slash`)
}

export function readStageConfig (node: Node): StageConfig {
  const stage = node.tryGetContext('stage') ?? 'dev'
  if (!(STAGES as readonly string[]).includes(stage)) throw new Error(`context stage must be one of ${STAGES.join(', ')}, got ${String(stage)}`)
  const stages = (node.tryGetContext('stages') ?? {}) as Record<string, Raw>
  const defaults = stages[stage] ?? {}
  // A flat key given with -c wins over the stage's defaults in cdk.json.
  const get = (key: string): unknown => node.tryGetContext(key) ?? defaults[key]

  const prefix = `saas-app-${stage as Stage}`
  const callbackUrls = asList(get('callbackUrls'), 'callbackUrls')
  const logoutUrls = asList(get('logoutUrls'), 'logoutUrls')
  for (const url of callbackUrls) assertCallbackUrl(url, 'callbackUrls')
  for (const url of logoutUrls) assertCallbackUrl(url, 'logoutUrls')
  const corsOrigins = asOptionalList(get('corsOrigins'), 'corsOrigins')
  for (const origin of corsOrigins) assertOrigin(origin, 'corsOrigins')
  // Relative to the repository root, so the same value works from infra/ (the cdk CLI) and from the root (tests).
  const consoleAssetPath = path.resolve(repoPath(), String(get('consoleAssetPath') ?? path.join('web', 'dist')))

  return {
    stage: stage as Stage,
    prefix,
    domainPrefix: String(get('domainPrefix') ?? prefix),
    callbackUrls,
    logoutUrls,
    corsOrigins,
    consoleAssetPath,
    passwordless: asBoolean(get('passwordless'), 'passwordless'),
    throttle: {
      rateLimit: asPositive(get('throttleRateLimit'), 'throttleRateLimit', DEFAULT_THROTTLE.rateLimit, false),
      burstLimit: asPositive(get('throttleBurstLimit'), 'throttleBurstLimit', DEFAULT_THROTTLE.burstLimit, true)
    }
  }
}
