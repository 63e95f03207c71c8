// Reads the deployment settings for one stage from CDK context (cdk.json defaults, overridden by `-c key=value`).
import * as path from 'node:path'
import type { Node } from 'constructs'
import { repoPath } from './repo-path.js'

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
  /**
   * Cognito threat protection (compromised credentials, adaptive authentication). On, it needs the Plus feature plan,
   * which costs more per monthly active user than Essentials: a pricing decision, so off unless configured.
   * `audit` only records risk; `enforced` acts on it.
   */
  threatProtection: ThreatProtection
  /**
   * The user pool's mail through Amazon SES from a verified identity, instead of Cognito's default sender (a few dozen
   * emails a day for the whole pool, which one tenant admin's invitations can use up for everybody). Unset: the default.
   */
  ses?: SesEmail
}

export const THREAT_PROTECTION = ['off', 'audit', 'enforced'] as const
export type ThreatProtection = typeof THREAT_PROTECTION[number]

export interface SesEmail {
  /** The From address; SES must have it (or sesVerifiedDomain) verified in sesRegion. */
  fromAddress: string
  fromName?: string
  /** A verified SES domain identity that the From address belongs to, instead of the address itself. */
  verifiedDomain?: string
  /** An SES configuration set (event publishing of bounces and complaints, a dedicated IP pool). */
  configurationSet?: string
  /** SES's region when it differs from the pool's; needed to synthesize without a region. */
  region?: string
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

/** One of a fixed set of strings. */
function asOneOf<T extends string> (value: unknown, key: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T
  throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got ${String(value)}`)
}

/** A trimmed, non-blank string, or undefined when the key is absent. */
function asOptionalString (value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  if (text === '') throw new Error(`context ${key} must not be empty`)
  return text
}

const EMAIL = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/

/** The SES settings, or undefined without sesFromAddress; the other ses* keys alone are a mistake, not a default. */
function readSes (get: (key: string) => unknown): SesEmail | undefined {
  const fromAddress = asOptionalString(get('sesFromAddress'), 'sesFromAddress')
  const rest = {
    fromName: asOptionalString(get('sesFromName'), 'sesFromName'),
    verifiedDomain: asOptionalString(get('sesVerifiedDomain'), 'sesVerifiedDomain')?.toLowerCase(),
    configurationSet: asOptionalString(get('sesConfigurationSet'), 'sesConfigurationSet'),
    region: asOptionalString(get('sesRegion'), 'sesRegion')
  }
  if (fromAddress === undefined) {
    const set = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k]) => `ses${k[0]!.toUpperCase()}${k.slice(1)}`)
    if (set.length > 0) throw new Error(`context ${set.join(', ')} need sesFromAddress (the verified SES sender)`)
    return undefined
  }
  const domain = EMAIL.exec(fromAddress)?.[1]?.toLowerCase()
  if (domain === undefined) throw new Error(`context sesFromAddress must be an email address, got ${fromAddress}`)
  // The identity is the From address, or its domain (CDK's withSES accepts the domain itself, not a parent domain).
  if (rest.verifiedDomain !== undefined && domain !== rest.verifiedDomain) {
    throw new Error(`context sesFromAddress ${fromAddress} is not in sesVerifiedDomain ${rest.verifiedDomain}`)
  }
  const ses: SesEmail = { fromAddress }
  for (const [key, value] of Object.entries(rest) as Array<[keyof typeof rest, string | undefined]>) if (value !== undefined) ses[key] = value
  return ses
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
  const ses = readSes(get)
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
    },
    threatProtection: asOneOf(get('threatProtection'), 'threatProtection', THREAT_PROTECTION, 'off'),
    ...(ses !== undefined ? { ses } : {})
  }
}
