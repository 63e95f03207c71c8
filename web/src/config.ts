// The console's runtime configuration: config.json beside index.html, so one build serves every stage.

/** The shape of config.json. The hosting stack writes it next to index.html; `npm run dev` serves a local one. */
export interface ConsoleConfig {
  /** The API's base URL, e.g. https://api.example.com (no trailing slash needed). */
  apiUrl: string
  /** The user pool's region, e.g. eu-west-1. */
  region: string
  userPoolId: string
  /** A public app client (no secret) of that pool. */
  clientId: string
  /**
   * Production: the managed login domain, e.g. auth.example.com or <prefix>.auth.<region>.amazoncognito.com (authorization
   * code grant with PKCE). Locally, with cognitoEndpoint too, an http://127.0.0.1:<port> origin: the local managed login,
   * used for SSO addresses only (the password stays the way in for any other).
   */
  cognitoDomain?: string
  /** Local only, when no cognitoDomain: a Cognito API endpoint for USER_PASSWORD_AUTH (cognito-local). */
  cognitoEndpoint?: string
  /** Where the managed login sends the code back; default: this page (origin and path of index.html). Must be an allowed callback URL of the client. */
  redirectUri?: string
  /** Where the managed login's logout returns; default: redirectUri. Must be an allowed sign-out URL of the client. */
  logoutUri?: string
}

function text (raw: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = raw[name]
  if (value === undefined || value === null || value === '') {
    if (required) throw new Error(`config.json: "${name}" is required`)
    return undefined
  }
  if (typeof value !== 'string') throw new Error(`config.json: "${name}" must be a string`)
  return value.trim()
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/*$/

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '')

/** Checks config.json and normalizes it (URLs without trailing slash, the domain without scheme); throws a readable error. */
export function parseConfig (raw: unknown): ConsoleConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('config.json must be a JSON object')
  const r = raw as Record<string, unknown>
  const config: ConsoleConfig = {
    apiUrl: withoutTrailingSlash(text(r, 'apiUrl', true) as string),
    region: text(r, 'region', true) as string,
    userPoolId: text(r, 'userPoolId', true) as string,
    clientId: text(r, 'clientId', true) as string
  }
  const domain = text(r, 'cognitoDomain', false)
  // Plain http only for a loopback origin (the local managed login); anything else is https.
  if (domain !== undefined) config.cognitoDomain = withoutTrailingSlash(LOOPBACK.test(domain) ? domain : domain.replace(/^https?:\/\//, ''))
  const endpoint = text(r, 'cognitoEndpoint', false)
  if (endpoint !== undefined) config.cognitoEndpoint = withoutTrailingSlash(endpoint)
  const redirectUri = text(r, 'redirectUri', false)
  if (redirectUri !== undefined) config.redirectUri = redirectUri
  const logoutUri = text(r, 'logoutUri', false)
  if (logoutUri !== undefined) config.logoutUri = logoutUri
  if (config.cognitoDomain === undefined && config.cognitoEndpoint === undefined) {
    throw new Error('config.json: set "cognitoDomain" (managed login) or, locally, "cognitoEndpoint"')
  }
  return config
}
