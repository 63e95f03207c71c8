// The local stack's Cognito endpoint: a thin proxy in front of cognito-local that fills its gaps and refuses what Cognito refuses.
//
// `npm run dev` (src/local/stack.ts) and the integration tests (test/helpers/users-stack.ts) put it between every
// client (the API, the console, the README's curl command) and cognito-local, so that a test on a laptop fails where
// production would. Chosen over aws-sdk-client-mock so the production code path runs end to end against a real user
// store. It forwards every request (method, path, query, headers, body) as it is, except:
// - AdminUserGlobalSignOut, which cognito-local lacks: 200 {} for an existing user, else UserNotFoundException
//   (AdminDisableUser and AdminDeleteUser already revoke the user's tokens in cognito-local).
// - AdminCreateUser: without a TemporaryPassword, the shim makes one up that meets the pool's policy and remembers it
//   (cognito-local would accept any password from a FORCE_CHANGE_PASSWORD user). MessageAction RESEND, which
//   cognito-local lacks, issues a new temporary password as Cognito does (AdminSetUserPassword, not permanent) while
//   the user is FORCE_CHANGE_PASSWORD, else UnsupportedUserStateException. Each password is handed to `onMessage`,
//   the local stand-in for Cognito's invitation email.
// - Sign-in (InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, /oauth2/token): a disabled user gets
//   NotAuthorizedException "User is disabled." on every flow, refresh included; a FORCE_CHANGE_PASSWORD user gets the
//   NEW_PASSWORD_REQUIRED challenge only for the right temporary password, and the answer is accepted only with the
//   session that challenge issued (cognito-local checks neither).
// - The identity-provider operations cognito-local lacks (src/local/identity-providers.ts), AdminLinkProviderForUser
//   (recorded and checked; cognito-local cannot federate, so no sign-in changes), and UpdateUserPoolClient
//   as Cognito does it: every setting the call leaves out is reset (cognito-local keeps the old value), and
//   SupportedIdentityProviders may name only COGNITO and the pool's providers.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
import { randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import { identityProviderStore, ProviderRefusal, type StoredLink } from './identity-providers.js'

const PREFIX = 'AWSCognitoIdentityProviderService.'
/** Cognito's own lifetime of a challenge session. */
const SESSION_TTL_MS = 3 * 60_000
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection'])

/** A message Cognito would email: the invitation, or its resend, with the temporary password. */
export interface ShimMessage {
  reason: 'invitation' | 'resend'
  userPoolId: string
  username: string
  email: string | undefined
  temporaryPassword: string
}

export interface CognitoShimOptions {
  /** Default: a free port. */
  port?: number
  /** Where the temporary passwords are kept between runs (a JSON file); default: memory only. */
  stateFile?: string
  /** Where the identity providers are kept between runs (a JSON file); default: memory only. */
  identityProviderFile?: string
  /** Called with each temporary password the shim issues. */
  onMessage?: (message: ShimMessage) => void
}

export interface CognitoShim {
  /** http://127.0.0.1:<port>: every local client's Cognito endpoint. */
  endpoint: string
  port: number
  /** Operations answered by the shim itself (rather than only forwarded), in order. */
  answered: string[]
  /** The federated identities linked to a user (AdminLinkProviderForUser). */
  linkedIdentities: (userPoolId: string, username: string) => StoredLink[]
  /** Idempotent. */
  close: () => Promise<void>
}

interface Upstream { status: number, headers: IncomingHttpHeaders, body: Buffer }
type Json = Record<string, unknown>

const json = (status: number, body: Json): Upstream =>
  ({ status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(JSON.stringify(body)) })

class Refusal extends Error {
  constructor (readonly type: string, message: string) { super(message) }
}
/**
 * What UpdateUserPoolClient sets for a setting the call leaves out (Cognito's defaults): Cognito resets it, cognito-local
 * would keep the old value. ReadAttributes and WriteAttributes (omitted: all attributes) are left to cognito-local.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
 */
const CLIENT_RESET: Json = {
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
const incorrectPassword = () => new Refusal('NotAuthorizedException', 'Incorrect username or password.')
const userDisabled = () => new Refusal('NotAuthorizedException', 'User is disabled.')

async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Cognito's default policy when the pool sets none: 8 characters with a lower, an upper, a digit and a symbol. */
interface PasswordPolicy { MinimumLength?: number }
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
function passwordStore (file: string | undefined) {
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
function asIncorrectPassword (out: Upstream): Upstream {
  if (out.status !== 400) return out
  const error = JSON.parse(out.body.toString('utf8')) as Json
  if (error.__type === 'InvalidPasswordException' || (error.__type === 'NotAuthorizedException' && error.message === 'User not authorized')) {
    return json(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' })
  }
  return out
}

function jwtPayload (token: unknown): Json | undefined {
  if (typeof token !== 'string') return undefined
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json
  } catch {
    return undefined
  }
}

/** Starts the shim in front of `upstream` (cognito-local's endpoint). */
export async function startCognitoShim (upstream: string, options: CognitoShimOptions = {}): Promise<CognitoShim> {
  const answered: string[] = []
  const target = new URL(upstream)
  const passwords = passwordStore(options.stateFile)
  /** NEW_PASSWORD_REQUIRED sessions the shim let through: session -> who may answer it, until when. */
  const sessions = new Map<string, { pool: string, username: string, expires: number }>()
  const poolOfClient = new Map<string, string>()
  const providers = identityProviderStore(options.identityProviderFile)

  const forward = async (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Upstream> => {
    const outHeaders: IncomingHttpHeaders = {}
    for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) outHeaders[name] = value
    return await new Promise((resolve, reject) => {
      const req = request({ hostname: target.hostname, port: target.port, method, path, headers: { ...outHeaders, host: target.host, 'content-length': String(body.length) } }, res => {
        readBody(res).then(b => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject)
      })
      req.once('error', reject)
      req.end(body)
    })
  }
  const call = async (operation: string, input: Json): Promise<{ status: number, body: Json }> => {
    const res = await forward('POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${PREFIX}${operation}` }, Buffer.from(JSON.stringify(input)))
    return { status: res.status, body: res.body.length > 0 ? JSON.parse(res.body.toString('utf8')) as Json : {} }
  }
  const getUser = async (pool: string, username: string): Promise<Json | undefined> => {
    const got = await call('AdminGetUser', { UserPoolId: pool, Username: username })
    return got.status === 200 ? got.body : undefined
  }
  /** The pool an app client belongs to (cognito-local has no lookup by client id alone). */
  const poolOf = async (clientId: unknown): Promise<string | undefined> => {
    if (typeof clientId !== 'string') return undefined
    if (!poolOfClient.has(clientId)) {
      const pools = (await call('ListUserPools', { MaxResults: 60 })).body.UserPools as Array<{ Id: string }> | undefined
      for (const { Id } of pools ?? []) {
        const clients = (await call('ListUserPoolClients', { UserPoolId: Id, MaxResults: 60 })).body.UserPoolClients as Array<{ ClientId: string }> | undefined
        for (const c of clients ?? []) poolOfClient.set(c.ClientId, Id)
      }
    }
    return poolOfClient.get(clientId)
  }
  const emailOf = (user: Json) => (user.UserAttributes as Array<{ Name: string, Value: string }> | undefined)?.find(a => a.Name === 'email')?.Value

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

  /** The pool must exist (cognito-local's ResourceNotFoundException otherwise); then the store answers. */
  const inPool = (operation: string, run: (pool: string, input: Json) => Json) => async (input: Json): Promise<Upstream> => {
    answered.push(operation)
    const pool = String(input.UserPoolId)
    const described = await call('DescribeUserPool', { UserPoolId: pool })
    if (described.status !== 200) return json(described.status, described.body)
    return json(200, run(pool, input))
  }

  const operations: Record<string, (input: Json, body: Buffer, headers: IncomingHttpHeaders) => Promise<Upstream>> = {
    CreateIdentityProvider: inPool('CreateIdentityProvider', (pool, input) => providers.create(pool, input)),
    DescribeIdentityProvider: inPool('DescribeIdentityProvider', (pool, input) => providers.describe(pool, input.ProviderName)),
    UpdateIdentityProvider: inPool('UpdateIdentityProvider', (pool, input) => providers.update(pool, input)),
    DeleteIdentityProvider: inPool('DeleteIdentityProvider', (pool, input) => providers.delete(pool, input.ProviderName)),
    ListIdentityProviders: inPool('ListIdentityProviders', (pool, input) => providers.list(pool, input)),
    GetIdentityProviderByIdentifier: inPool('GetIdentityProviderByIdentifier', (pool, input) => providers.byIdentifier(pool, input.IdpIdentifier)),
    async AdminLinkProviderForUser (input) {
      answered.push('AdminLinkProviderForUser')
      const pool = String(input.UserPoolId)
      const destination = (input.DestinationUser ?? {}) as Json
      if (destination.ProviderName !== 'Cognito') throw new Refusal('InvalidParameterException', 'DestinationUser must be a Cognito user.')
      const user = await getUser(pool, String(destination.ProviderAttributeValue))
      if (user === undefined) throw new Refusal('UserNotFoundException', 'User does not exist.')
      return json(200, providers.link(pool, String(user.Username), input))
    },
    async UpdateUserPoolClient (input, _body, headers) {
      answered.push('UpdateUserPoolClient')
      const pool = String(input.UserPoolId)
      const names = (input.SupportedIdentityProviders ?? []) as unknown[]
      const unknown = names.find(n => typeof n !== 'string' || !providers.exists(pool, n))
      if (unknown !== undefined) throw new Refusal('InvalidParameterException', `The provider ${String(unknown)} does not exist for User Pool ${pool}`)
      return await forward('POST', '/', headers, Buffer.from(JSON.stringify({ ...CLIENT_RESET, ...input })))
    },
    async AdminUserGlobalSignOut (input) {
      answered.push('AdminUserGlobalSignOut')
      const got = await call('AdminGetUser', { UserPoolId: input.UserPoolId, Username: input.Username })
      return got.status === 200 ? json(200, {}) : json(got.status, got.body)
    },
    async AdminCreateUser (input, _body, headers) {
      const pool = String(input.UserPoolId)
      if (input.MessageAction === 'RESEND') {
        answered.push('AdminCreateUser:RESEND')
        const user = await getUser(pool, String(input.Username))
        if (user === undefined) throw new Refusal('UserNotFoundException', 'User does not exist.')
        if (user.UserStatus !== 'FORCE_CHANGE_PASSWORD') throw new Refusal('UnsupportedUserStateException', 'User has already confirmed their account')
        const temporaryPassword = await newTemporaryPassword(pool)
        const set = await call('AdminSetUserPassword', { UserPoolId: pool, Username: user.Username, Password: temporaryPassword, Permanent: false })
        if (set.status !== 200) throw new Refusal(String(set.body.__type ?? 'InternalErrorException'), String(set.body.message ?? 'AdminSetUserPassword failed'))
        passwords.set(pool, String(user.Username), temporaryPassword)
        options.onMessage?.({ reason: 'resend', userPoolId: pool, username: String(user.Username), email: emailOf(user), temporaryPassword })
        return json(200, { User: { Username: user.Username, Attributes: user.UserAttributes, UserStatus: user.UserStatus, Enabled: user.Enabled, UserCreateDate: user.UserCreateDate, UserLastModifiedDate: user.UserLastModifiedDate } })
      }
      const temporaryPassword = typeof input.TemporaryPassword === 'string' ? input.TemporaryPassword : await newTemporaryPassword(pool)
      const created = await forward('POST', '/', headers, Buffer.from(JSON.stringify({ ...input, TemporaryPassword: temporaryPassword })))
      if (created.status === 200) {
        const user = (JSON.parse(created.body.toString('utf8')) as { User?: Json }).User ?? {}
        passwords.set(pool, String(user.Username), temporaryPassword)
        if (input.MessageAction !== 'SUPPRESS') {
          const email = (user.Attributes as Array<{ Name: string, Value: string }> | undefined)?.find(a => a.Name === 'email')?.Value
          options.onMessage?.({ reason: 'invitation', userPoolId: pool, username: String(user.Username), email, temporaryPassword })
        }
      }
      return created
    },
    async AdminSetUserPassword (input, body, headers) {
      const out = await forward('POST', '/', headers, body)
      if (out.status === 200) {
        const user = await getUser(String(input.UserPoolId), String(input.Username))
        if (user !== undefined) {
          if (input.Permanent === true) passwords.delete(String(input.UserPoolId), String(user.Username))
          else passwords.set(String(input.UserPoolId), String(user.Username), String(input.Password))
        }
      }
      return out
    },
    async InitiateAuth (input, body, headers) {
      const params = (input.AuthParameters ?? {}) as Json
      const user = input.AuthFlow === 'USER_PASSWORD_AUTH'
        ? await checkPasswordSignIn(await poolOf(input.ClientId), params.USERNAME, params.PASSWORD)
        : undefined
      const out = await forward('POST', '/', headers, body)
      return await signIn(input.AuthFlow === 'USER_PASSWORD_AUTH' ? asIncorrectPassword(out) : out, user, await poolOf(input.ClientId))
    },
    async AdminInitiateAuth (input, body, headers) {
      const params = (input.AuthParameters ?? {}) as Json
      const user = input.AuthFlow === 'ADMIN_USER_PASSWORD_AUTH'
        ? await checkPasswordSignIn(String(input.UserPoolId), params.USERNAME, params.PASSWORD)
        : undefined
      const out = await forward('POST', '/', headers, body)
      return await signIn(input.AuthFlow === 'ADMIN_USER_PASSWORD_AUTH' ? asIncorrectPassword(out) : out, user, String(input.UserPoolId))
    },
    async RespondToAuthChallenge (input, body, headers) {
      const pool = await poolOf(input.ClientId)
      const responses = (input.ChallengeResponses ?? {}) as Json
      if (pool !== undefined && typeof responses.USERNAME === 'string') {
        const user = await getUser(pool, responses.USERNAME)
        if (user?.Enabled === false) throw userDisabled()
        if (input.ChallengeName === 'NEW_PASSWORD_REQUIRED' && user !== undefined) {
          const session = sessions.get(String(input.Session))
          if (session === undefined || session.expires < Date.now() || session.pool !== pool || session.username !== user.Username) {
            throw new Refusal('NotAuthorizedException', 'Invalid session for the user.')
          }
          sessions.delete(String(input.Session))
          passwords.delete(pool, String(user.Username))
        }
      }
      return await signIn(await forward('POST', '/', headers, body), undefined, pool)
    },
    async AdminDeleteUser (input, body, headers) {
      const user = await getUser(String(input.UserPoolId), String(input.Username))
      const out = await forward('POST', '/', headers, body)
      if (out.status === 200 && user !== undefined) passwords.delete(String(input.UserPoolId), String(user.Username))
      return out
    }
  }

  const newTemporaryPassword = async (pool: string): Promise<string> => {
    const described = await call('DescribeUserPool', { UserPoolId: pool })
    const policy = ((described.body.UserPool as Json | undefined)?.Policies as Json | undefined)?.PasswordPolicy as PasswordPolicy | undefined
    return temporaryPasswordFor(policy)
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

  const reply = (res: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer) => {
    const out: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
    // cognito-local answers every origin (as Cognito's API does); the shim's own answers must be readable by the console too.
    out['access-control-allow-origin'] ??= '*'
    res.writeHead(status, { ...out, 'content-length': String(body.length) }).end(body)
  }
  const replyJson = (res: ServerResponse, status: number, body: Json) => {
    const out = json(status, body)
    reply(res, out.status, out.headers, out.body)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const operation = String(req.headers['x-amz-target'] ?? '').replace(PREFIX, '')
    const handler = method === 'POST' && new URL(path, 'http://x').pathname === '/' ? operations[operation] : undefined
    try {
      if (handler !== undefined) {
        const input = body.length > 0 ? JSON.parse(body.toString('utf8')) as Json : {}
        const out = await handler(input, body, req.headers)
        return reply(res, out.status, out.headers, out.body)
      }
      const out = await forward(method, path, req.headers, body)
      if (method === 'POST' && new URL(path, 'http://x').pathname === '/oauth2/token' && out.status === 200) {
        try {
          await checkIssuedTokens((JSON.parse(out.body.toString('utf8')) as Json).access_token)
        } catch (err) {
          if (err instanceof Refusal) return reply(res, 400, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ error: 'invalid_grant', error_description: err.message })))
          throw err
        }
      }
      reply(res, out.status, out.headers, out.body)
    } catch (err) {
      if (err instanceof Refusal || err instanceof ProviderRefusal) return replyJson(res, 400, { __type: err.type, message: err.message })
      replyJson(res, 500, { __type: 'InternalErrorException', message: String(err) })
    }
  }

  const server = createServer((req, res) => { void handle(req, res) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  let closed: Promise<void> | undefined
  const close = async () => {
    closed ??= new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) })
    await closed
  }
  const port = (server.address() as AddressInfo).port
  return { endpoint: `http://127.0.0.1:${port}`, port, answered, linkedIdentities: providers.linksOf, close }
}
