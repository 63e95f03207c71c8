// Reads the deployment settings for one stage from CDK context (cdk.json defaults, overridden by `-c key=value`).
import type { Node } from 'constructs'

const STAGES = ['dev', 'prod'] as const
export type Stage = typeof STAGES[number]

export interface StageConfig {
  stage: Stage
  /** Prefix of physical names and stack names, e.g. saas-app-dev; the table's name as it is. */
  prefix: string
  /** Cognito hosted UI domain prefix: <prefix>.auth.<region>.amazoncognito.com; must be unique in the region. */
  domainPrefix: string
  callbackUrls: string[]
  logoutUrls: string[]
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

  return {
    stage: stage as Stage,
    prefix,
    domainPrefix: String(get('domainPrefix') ?? prefix),
    callbackUrls,
    logoutUrls,
    passwordless: asBoolean(get('passwordless'), 'passwordless'),
    throttle: {
      rateLimit: asPositive(get('throttleRateLimit'), 'throttleRateLimit', DEFAULT_THROTTLE.rateLimit, false),
      burstLimit: asPositive(get('throttleBurstLimit'), 'throttleBurstLimit', DEFAULT_THROTTLE.burstLimit, true)
    }
  }
}
