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
//   session that challenge issued (cognito-local checks neither); its answer's refresh token works, as at Cognito.
// - The identity-provider operations cognito-local lacks (src/local/identity-providers.ts), AdminLinkProviderForUser
//   (recorded and checked; the local managed login signs a linked identity in as the native user), and UpdateUserPoolClient
//   as Cognito does it: every setting the call leaves out is reset (cognito-local keeps the old value), and
//   SupportedIdentityProviders may name only COGNITO and the pool's providers.
// - REFRESH_TOKEN_AUTH and RevokeToken for the refresh tokens of the local managed login (src/local/managed-login.ts).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { federatedTokenOperations, providerOperations, type FederatedTokens } from './cognito-shim-providers.js'
import { asIncorrectPassword, HOP_BY_HOP, json, passwordStore, readBody, Refusal, reply, replyJson, signInChecks, temporaryPasswordFor, userDisabled, type Json, type PasswordPolicy, type Upstream } from './cognito-shim-parts.js'
import { identityProviderStore, ProviderRefusal, type IdentityProviderStore, type StoredLink } from './identity-providers.js'

const PREFIX = 'AWSCognitoIdentityProviderService.'

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
  /** The identity providers (the local managed login reads them) and the refresh tokens it issues (answered here). */
  providers: IdentityProviderStore
  useFederatedTokens: (tokens: FederatedTokens) => void
  /** Idempotent. */
  close: () => Promise<void>
}

/** Starts the shim in front of `upstream` (cognito-local's endpoint). */
export async function startCognitoShim (upstream: string, options: CognitoShimOptions = {}): Promise<CognitoShim> {
  const answered: string[] = []
  const target = new URL(upstream)
  const passwords = passwordStore(options.stateFile)
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

  const { checkPasswordSignIn, checkIssuedTokens, signIn, takeSession } = signInChecks({ getUser, passwords })

  let federated: FederatedTokens | undefined
  const operations: Record<string, (input: Json, body: Buffer, headers: IncomingHttpHeaders) => Promise<Upstream>> = federatedTokenOperations(() => federated, {
    ...providerOperations({ providers, answered, call, forward, getUser }),
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
          takeSession(String(input.Session), pool, String(user.Username))
          passwords.delete(pool, String(user.Username))
        }
      }
      const out = await forward('POST', '/', headers, body)
      // cognito-local forgets the refresh token of a challenge's answer (Cognito keeps it): answered instead with the
      // tokens of a sign-in with the new password, whose refresh token it keeps.
      if (out.status === 200 && input.ChallengeName === 'NEW_PASSWORD_REQUIRED' && typeof responses.NEW_PASSWORD === 'string') {
        const again = await call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: input.ClientId, AuthParameters: { USERNAME: responses.USERNAME, PASSWORD: responses.NEW_PASSWORD } })
        if (again.status === 200) return await signIn(json(200, again.body), undefined, pool)
      }
      return await signIn(out, undefined, pool)
    },
    async AdminDeleteUser (input, body, headers) {
      const user = await getUser(String(input.UserPoolId), String(input.Username))
      const out = await forward('POST', '/', headers, body)
      if (out.status === 200 && user !== undefined) passwords.delete(String(input.UserPoolId), String(user.Username))
      return out
    }
  }, forward, getUser)

  const newTemporaryPassword = async (pool: string): Promise<string> => {
    const described = await call('DescribeUserPool', { UserPoolId: pool })
    const policy = ((described.body.UserPool as Json | undefined)?.Policies as Json | undefined)?.PasswordPolicy as PasswordPolicy | undefined
    return temporaryPasswordFor(policy)
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
  return { endpoint: `http://127.0.0.1:${port}`, port, answered, linkedIdentities: providers.linksOf, providers, useFederatedTokens: (tokens) => { federated = tokens }, close }
}
