// The service's configuration: one TypeBox schema of the environment, validated once at boot.
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { isIP } from 'node:net'
import { TABLE } from './dynamodb/table.js'
import { isLocalEndpoint } from './aws.js'

const Bool = (def: boolean, description: string) => Type.Boolean({ default: def, description })
const Int = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description })

/** A proxy address or range for TRUST_PROXY: an IP, a CIDR, or one of proxy-addr's names. */
const PROXY_ENTRY = '(?:[0-9A-Fa-f:.]+(?:/\\d{1,3})?|loopback|linklocal|uniquelocal)'

/** One or more http(s) URLs, comma-separated. */
const URL_LIST = '^https?://[^,\\s]+(\\s*,\\s*https?://[^,\\s]+)*$'

export const ConfigSchema = Type.Object({
  PORT: Int(3000, 0, 65535, 'HTTP port'),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Listen address; a container sets 0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info' }),
  AWS_REGION: Type.String({ default: 'us-east-1', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$' }),
  COGNITO_USER_POOL_ID: Type.String({ pattern: '^[\\w-]+_[0-9a-zA-Z]+$', description: 'required' }),
  COGNITO_CLIENT_IDS: Type.String({ pattern: '^[\\w-]+(,[\\w-]+)*$', description: 'required; comma-separated app client ids' }),
  COGNITO_ISSUER: Type.Optional(Type.String({ pattern: URL_LIST, description: 'comma-separated issuers; default from region and pool' })),
  COGNITO_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),
  DYNAMODB_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),
  TABLE_NAME: Type.String({ default: TABLE.defaultName, pattern: '^[a-zA-Z0-9_.-]{3,255}$' }),
  AUTH_MODE: Type.Union([Type.Literal('jwt'), Type.Literal('apigateway')], { default: 'jwt', description: 'apigateway: trust the HTTP API JWT authorizer (Lambda only)' }),
  AWS_LAMBDA_FUNCTION_NAME: Type.Optional(Type.String({ description: 'set by the Lambda runtime; AUTH_MODE=apigateway requires it' })),
  ACCEPT_ID_TOKENS: Bool(false, 'accept Cognito ID tokens as well as access tokens'),
  JWT_CLOCK_TOLERANCE_SECONDS: Int(5, 0, 60, 'leeway for exp and nbf'),
  JWKS_TIMEOUT_MS: Int(1500, 100, 10000, 'timeout of one JWKS fetch'),
  JWKS_REFETCH_INTERVAL_SECONDS: Int(10, 10, 3600, 'at most one JWKS refetch per interval for unknown kids'),
  TOKEN_CACHE_SIZE: Int(10000, 0, 1000000, 'verified tokens kept in memory; 0 disables'),
  MEMBERSHIP_CACHE_TTL_SECONDS: Int(30, 0, 300, 'how long a resolved membership is reused'),
  INVITATION_TTL_SECONDS: Int(604800, 1, 31536000, 'how long an invitation into a tenant can be accepted'),
  DNS_SERVERS: Type.String({ default: '', pattern: '^([^\\s,]+(,[^\\s,]+)*)?$', description: 'comma-separated host:port DNS servers for domain verification; empty: the system\'s' }),
  SSO_ALLOW_PRIVATE_URLS: Bool(false, 'let SSO connections fetch http and loopback/private addresses (development only)'),
  COGNITO_DOMAIN: Type.Optional(Type.String({ pattern: '^[a-z0-9.-]+(:\\d+)?$', description: 'the managed login domain (auth.example.com): shown to SSO admins' })),
  COGNITO_SSO_CLIENT_ID: Type.Optional(Type.String({ pattern: '^[\\w-]+$', description: 'the app client SSO connections are added to; default the first of COGNITO_CLIENT_IDS' })),
  SESSION_TTL_SECONDS: Int(2592000, 300, 315360000, 'how long a console session lasts (its cookie and record): the web client\'s refresh token validity'),
  DOMAIN_CLAIM_TTL_SECONDS: Int(604800, 60, 31536000, 'how long an unverified domain claim lasts'),
  TRUST_PROXY: Type.String({
    default: '',
    pattern: `^(\\d{1,2}|${PROXY_ENTRY}(\\s*,\\s*${PROXY_ENTRY})*)?$`,
    description: 'off (empty or 0), a hop count, or comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed'
  }),
  CORS_ORIGINS: Type.String({ default: '', pattern: `^(${URL_LIST.slice(1, -1)})?$`, description: 'comma-separated allowed origins' }),
  RATE_LIMIT_MAX: Int(1000, 1, 1000000, 'requests per tenant per window'),
  RATE_LIMIT_WINDOW_SECONDS: Int(60, 1, 3600, 'per-tenant and per-caller rate-limit window'),
  CALLER_RATE_LIMIT_MAX: Int(1000, 1, 1000000, 'requests per signed-in caller per window, counted before tenant resolution'),
  LIMITS_STORE: Type.Union([Type.Literal('dynamodb'), Type.Literal('memory')], { default: 'dynamodb', description: 'where shared limits count: the table (across instances) or memory (one process only)' }),
  AUTH_FAILURE_LIMIT: Int(100, 1, 1000000, 'forged tokens (bad signatures) per client address per window; beyond it, forgeries get 429'),
  AUTH_FAILURE_WINDOW_SECONDS: Int(60, 1, 3600, 'the failed-authentication window'),
  COGNITO_CREATE_USER_RPS: Int(50, 1, 1000, 'client-side budget for AdminCreateUser'),
  COGNITO_USER_UPDATE_RPS: Int(25, 1, 1000, 'client-side budget for the user-update category'),
  COGNITO_USER_READ_RPS: Int(120, 1, 1000, 'client-side budget for the user-read category'),
  AWS_MAX_ATTEMPTS: Int(3, 1, 10, 'AWS SDK attempts per call, with backoff'),
  COGNITO_RETRY_MODE: Type.Union([Type.Literal('standard'), Type.Literal('adaptive')], { default: 'standard', description: 'AWS SDK retry mode of the Cognito admin client' }),
  CONSOLE_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'the web console\'s address: invitation notices link to its #/invitations page' })),
  MAIL_FROM: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: 'the verified SES sender of the API\'s notices; unset: notices are logged, not sent' })),
  MAIL_REGION: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', description: 'the SES region of MAIL_FROM; default AWS_REGION' })),
  MAIL_INBOX_FILE: Type.Optional(Type.String({ minLength: 1, description: 'local development only (npm run dev sets it): notices go to this inbox file instead' })),
  COGNITO_MAX_WAIT_MS: Int(2000, 0, 60000, 'longest wait for a Cognito rate-limit slot before answering 503 with Retry-After')
})
type EnvConfig = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const list = (s: string | undefined) => (s ?? '').split(',').map(x => x.trim()).filter(Boolean)

/**
 * Fastify's trustProxy from TRUST_PROXY. Never `true`: trusting every hop lets any client pick its own request.ip
 * with X-Forwarded-For, and with it its rate-limit and failed-authentication buckets. A hop count trusts that many
 * proxies in front of the app (1 behind one load balancer); a list trusts only those addresses.
 */
function trustProxyOf (value: string): false | number | string[] {
  if (/^\d{1,2}$/.test(value)) return Number(value) === 0 ? false : Number(value)
  const entries = list(value)
  if (entries.length === 0) return false
  for (const entry of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) continue
    const [address = '', prefix] = entry.split('/')
    const family = isIP(address)
    const max = family === 4 ? 32 : 128
    if (family === 0 || (prefix !== undefined && !(Number(prefix) >= 0 && Number(prefix) <= max))) {
      throw new ConfigError(`Configuration error: TRUST_PROXY is invalid (${JSON.stringify(entry)} is not an IP address or CIDR)`)
    }
  }
  return entries
}

/** Validates the environment; throws ConfigError with one line naming the variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env) {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const v = env[key]
    if (v !== undefined && v !== '') raw[key] = v.trim()
  }
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  if (!Value.Check(ConfigSchema, value)) {
    const [first] = [...Value.Errors(ConfigSchema, value)]
    const missing = first?.keyword === 'required' ? (first.params as { requiredProperties?: string[] }).requiredProperties?.[0] : undefined
    const name = missing ?? first?.instancePath.replace(/^\//, '') ?? 'configuration'
    const shown = missing ? 'is required' : `is invalid (${JSON.stringify(env[name] ?? '')})`
    throw new ConfigError(`Configuration error: ${name} ${shown}`)
  }
  const c = value as EnvConfig
  // apigateway mode trusts claims it does not verify: on a directly reachable server that would be no authentication at all.
  if (c.AUTH_MODE === 'apigateway' && !c.AWS_LAMBDA_FUNCTION_NAME) {
    throw new ConfigError('Configuration error: AUTH_MODE=apigateway is only allowed inside AWS Lambda (AWS_LAMBDA_FUNCTION_NAME is not set)')
  }
  // The dev stack's inbox is a file on the developer's disk: a Lambda writing notices there would send nothing.
  if (c.MAIL_INBOX_FILE !== undefined && c.AWS_LAMBDA_FUNCTION_NAME) {
    throw new ConfigError('Configuration error: MAIL_INBOX_FILE is for local development only (not inside AWS Lambda)')
  }
  const issuers = c.COGNITO_ISSUER ? list(c.COGNITO_ISSUER).map(i => i.replace(/\/+$/, '')) : [`https://cognito-idp.${c.AWS_REGION}.amazonaws.com/${c.COGNITO_USER_POOL_ID}`]
  // Signing keys fetched over plain http could be swapped on the way: only a local emulator may be plain http.
  const plain = issuers.find(i => i.startsWith('http://') && !isLocalEndpoint(i))
  if (plain) throw new ConfigError(`Configuration error: COGNITO_ISSUER must use https except on localhost (${JSON.stringify(plain)})`)
  return {
    ...c,
    trustProxy: trustProxyOf(c.TRUST_PROXY),
    // The managed login's base URL: https, except a loopback address (a local stand-in, as for COGNITO_ISSUER).
    loginUrl: c.COGNITO_DOMAIN === undefined ? undefined : `${isLocalEndpoint(`http://${c.COGNITO_DOMAIN}`) ? 'http' : 'https'}://${c.COGNITO_DOMAIN}`,
    cognitoClientIds: list(c.COGNITO_CLIENT_IDS),
    cognitoIssuers: issuers,
    corsOrigins: list(c.CORS_ORIGINS)
  }
}
export type Config = ReturnType<typeof loadConfig>
