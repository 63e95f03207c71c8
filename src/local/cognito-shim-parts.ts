// The Cognito shim's parts that need no server: its answers and refusals, the client defaults Cognito resets, and the
// temporary passwords it issues (src/local/cognito-shim.ts is the proxy that uses them).
import { randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { dirname } from 'node:path'

export interface Upstream { status: number, headers: IncomingHttpHeaders, body: Buffer }
export type Json = Record<string, unknown>

export const json = (status: number, body: Json): Upstream =>
  ({ status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(JSON.stringify(body)) })

export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection'])

/** Writes an answer (the upstream's headers without hop-by-hop ones). */
export function reply (res: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer): void {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  // cognito-local answers every origin (as Cognito's API does); the shim's own answers must be readable by the console too.
  out['access-control-allow-origin'] ??= '*'
  res.writeHead(status, { ...out, 'content-length': String(body.length) }).end(body)
}
export function replyJson (res: ServerResponse, status: number, body: Json): void {
  const out = json(status, body)
  reply(res, out.status, out.headers, out.body)
}

export class Refusal extends Error {
  constructor (readonly type: string, message: string) { super(message) }
}
/**
 * What UpdateUserPoolClient sets for a setting the call leaves out (Cognito's defaults): Cognito resets it, cognito-local
 * would keep the old value. ReadAttributes and WriteAttributes (omitted: all attributes) are left to cognito-local.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
 */
export const CLIENT_RESET: Json = {
  AllowedOAuthFlows: [],
  AllowedOAuthFlowsUserPoolClient: false,
  AllowedOAuthScopes: [],
  CallbackURLs: [],
  LogoutURLs: [],
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_USER_SRP_AUTH'],
  SupportedIdentityProviders: [],
  AccessTokenValidity: 60,
  IdTokenValidity: 60,
  RefreshTokenValidity: 30,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
  EnableTokenRevocation: true,
  PreventUserExistenceErrors: 'LEGACY'
}
/** Cognito's own lifetime of a challenge session. */
const SESSION_TTL_MS = 3 * 60_000

export const incorrectPassword = () => new Refusal('NotAuthorizedException', 'Incorrect username or password.')
export const userDisabled = () => new Refusal('NotAuthorizedException', 'User is disabled.')

export async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Cognito's default policy when the pool sets none: 8 characters with a lower, an upper, a digit and a symbol. */
export interface PasswordPolicy { MinimumLength?: number }
// Symbols from Cognito's allowed set that need no quoting in a shell or JSON string, so the password pastes anywhere.
const SETS = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '^.,:_~=+-@%']

/** A random password with one of each character class (what any Cognito policy may require), at least 16 long. */
export function temporaryPasswordFor (policy: PasswordPolicy | undefined): string {
  const length = Math.max(16, policy?.MinimumLength ?? 8)
  const all = SETS.join('')
  const chars = SETS.map(set => set[randomInt(set.length)] as string)
  while (chars.length < length) chars.push(all[randomInt(all.length)] as string)
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j] as string, chars[i] as string]
  }
  return chars.join('')
}

/** The temporary passwords the shim issued, by pool and Username; optionally mirrored to a JSON file. */
export function passwordStore (file: string | undefined) {
  const byUser = new Map<string, string>(file !== undefined && existsSync(file) ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : [])
  const save = () => {
    if (file === undefined) return
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(byUser), null, 2) + '\n', { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
  }
  const key = (pool: string, username: string) => `${pool}/${username}`
  return {
    get: (pool: string, username: string) => byUser.get(key(pool, username)),
    set: (pool: string, username: string, password: string) => { byUser.set(key(pool, username), password); save() },
    delete: (pool: string, username: string) => { if (byUser.delete(key(pool, username))) save() }
  }
}

/**
 * cognito-local answers a wrong password with InvalidPasswordException and an unknown user with "User not
 * authorized"; Cognito, with user existence errors prevented (as infra/lib/web-client.ts sets), answers both alike.
 */
export function asIncorrectPassword (out: Upstream): Upstream {
  if (out.status !== 400) return out
  const error = JSON.parse(out.body.toString('utf8')) as Json
  if (error.__type === 'InvalidPasswordException' || (error.__type === 'NotAuthorizedException' && error.message === 'User not authorized')) {
    return json(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' })
  }
  return out
}

export function jwtPayload (token: unknown): Json | undefined {
  if (typeof token !== 'string') return undefined
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json
  } catch {
    return undefined
  }
}

/**
 * The sign-in checks cognito-local skips: a disabled user on every flow, a wrong temporary password, and a
 * NEW_PASSWORD_REQUIRED answer without the session that challenge issued (kept SESSION_TTL_MS, one use).
 */
export function signInChecks ({ getUser, passwords }: { getUser: (pool: string, username: string) => Promise<Json | undefined>, passwords: ReturnType<typeof passwordStore> }) {
  /** NEW_PASSWORD_REQUIRED sessions the shim let through: session -> who may answer it, until when. */
  const sessions = new Map<string, { pool: string, username: string, expires: number }>()

  /** The password check cognito-local skips: a disabled user, or a wrong temporary password. */
  const checkPasswordSignIn = async (pool: string | undefined, username: unknown, password: unknown): Promise<Json | undefined> => {
    if (pool === undefined || typeof username !== 'string') return undefined
    const user = await getUser(pool, username)
    if (user === undefined) return undefined // cognito-local answers that itself
    if (user.Enabled === false) throw userDisabled()
    if (user.UserStatus === 'FORCE_CHANGE_PASSWORD') {
      const expected = passwords.get(pool, String(user.Username))
      // Unknown (issued before the shim kept them, or by a direct call to cognito-local): refused; a resend issues one.
      if (expected === undefined || expected !== password) throw incorrectPassword()
    }
    return user
  }

  /** Refuses tokens issued to a disabled user: covers refresh, whose user only the token names. */
  const checkIssuedTokens = async (accessToken: unknown): Promise<void> => {
    const claims = jwtPayload(accessToken)
    const pool = typeof claims?.iss === 'string' ? claims.iss.split('/').at(-1) : undefined
    const username = claims?.username ?? claims?.sub
    if (pool === undefined || typeof username !== 'string') return
    const user = await getUser(pool, username)
    if (user?.Enabled === false) throw userDisabled()
  }

  /** An upstream sign-in answer, checked: a challenge session is recorded, tokens of a disabled user are refused. */
  const signIn = async (out: Upstream, user: Json | undefined, pool: string | undefined): Promise<Upstream> => {
    if (out.status !== 200) return out
    const answer = JSON.parse(out.body.toString('utf8')) as Json
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && typeof answer.Session === 'string' && user !== undefined && pool !== undefined) {
      for (const [id, s] of sessions) if (s.expires < Date.now()) sessions.delete(id)
      sessions.set(answer.Session, { pool, username: String(user.Username), expires: Date.now() + SESSION_TTL_MS })
    }
    await checkIssuedTokens((answer.AuthenticationResult as Json | undefined)?.AccessToken)
    return out
  }

  /** Consumes the session a NEW_PASSWORD_REQUIRED answer names, or refuses it as Cognito does. */
  function takeSession (id: string, pool: string, username: string): void {
    const session = sessions.get(id)
    if (session === undefined || session.expires < Date.now() || session.pool !== pool || session.username !== username) {
      throw new Refusal('NotAuthorizedException', 'Invalid session for the user.')
    }
    sessions.delete(id)
  }

  return { checkPasswordSignIn, checkIssuedTokens, signIn, takeSession }
}
