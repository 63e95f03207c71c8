// What Cognito does for a federated sign-in, on the local stack (src/local/managed-login.ts): the user behind the
// identity (linked native user, an earlier federated user, or a new one), our triggers invoked in-process with the
// event shapes AWS documents, and the tokens, signed with cognito-local's own key (kid CognitoLocal) so the API's JWKS
// verifies them. Why signed here rather than through InitiateAuth: a federated sign-in has no password, and setting one
// on a linked native user would overwrite that person's own password. The refresh tokens are the managed login's own
// (opaque, in memory): the shim answers REFRESH_TOKEN_AUTH and RevokeToken for them (src/local/cognito-shim.ts),
// running pre token generation again as Cognito does at a refresh.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
import { AdminCreateUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, AdminSetUserPasswordCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { PostConfirmationTriggerEvent, PreSignUpTriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import { createPrivateKey, createSign, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cognitoAccountLinker } from '../cognito/triggers/federation.js'
import { createPostConfirmationHandler } from '../cognito/triggers/post-confirmation.js'
import { createPreSignUpHandler } from '../cognito/triggers/pre-sign-up.js'
import { createPreTokenGenerationHandler } from '../cognito/triggers/pre-token-generation.js'
import { LOCAL_REGION } from './clients.js'
import type { IdentityProviderStore, StoredProvider } from './identity-providers.js'
import type { FederatedIdentity } from './managed-login-oidc.js'

const ACCESS_TTL_S = 3600
const REFRESH_TTL_S = 30 * 24 * 3600
const RESERVED = new Set(['acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities', 'iss', 'jti', 'nbf', 'nonce', 'origin_jti', 'sub', 'token_use', 'client_id', 'username', 'scope'])

/** The sign-in cannot finish (Cognito would redirect with error=access_denied and this description). */
export class FederationRefusal extends Error {
  override name = 'FederationRefusal'
}

export interface Tokens { access_token: string, id_token: string, refresh_token: string, token_type: 'Bearer', expires_in: number }

interface Session { userPoolId: string, clientId: string, username: string, identities: string, expiresAt: number }

const pem = (): string => {
  const require = createRequire(import.meta.url)
  const file = require.resolve('cognito-local/lib/keys/cognitoLocal.private.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { pem: string }).pem
}

export interface FederationDeps {
  /** cognito-local itself (creating the federated user: no shim-made temporary password or invitation). */
  cognitoLocal: CognitoIdentityProviderClient
  /** The shim: what the triggers call (AdminGetUser, AdminLinkProviderForUser), as on AWS. */
  cognito: CognitoIdentityProviderClient
  providers: IdentityProviderStore
  dynamo: DynamoDBDocumentClient
  tableName: string
  /** cognito-local's issuer base (its endpoint): tokens name `<base>/<pool>`. */
  issuerBase: string
}

export function localFederation (deps: FederationDeps) {
  const key = createPrivateKey(pem())
  const preSignUp = createPreSignUpHandler({ dynamo: deps.dynamo, tableName: deps.tableName, linker: cognitoAccountLinker(deps.cognito) })
  const postConfirmation = createPostConfirmationHandler({ dynamo: deps.dynamo, tableName: deps.tableName })
  const preTokenGeneration = createPreTokenGenerationHandler({ dynamo: deps.dynamo, tableName: deps.tableName })
  const refreshTokens = new Map<string, Session>()
  const base = (pool: string, clientId: string, userName: string) => ({ version: '1', region: LOCAL_REGION, userPoolId: pool, userName, callerContext: { awsSdkVersion: 'local', clientId } })

  const sign = (claims: Record<string, unknown>) => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' })}.${part(claims)}`
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`
  }

  const getUser = async (pool: string, username: string) => {
    try {
      return await deps.cognito.send(new AdminGetUserCommand({ UserPoolId: pool, Username: username }))
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return undefined
      throw err
    }
  }

  /** Access and ID tokens as cognito-local shapes them, after pre token generation (V2) had its say. */
  async function mint (session: Session, source: 'TokenGeneration_HostedAuth' | 'TokenGeneration_RefreshTokens'): Promise<Omit<Tokens, 'refresh_token'>> {
    const user = await getUser(session.userPoolId, session.username)
    if (user === undefined) throw new FederationRefusal('User does not exist.')
    if (user.Enabled === false) throw new FederationRefusal('User is disabled.')
    const attributes: Record<string, string> = { identities: session.identities }
    for (const a of user.UserAttributes ?? []) if (a.Name !== undefined && a.Value !== undefined) attributes[a.Name] = a.Value
    const groups = (await deps.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: session.userPoolId, Username: session.username }))).Groups?.flatMap(g => g.GroupName ?? []) ?? []
    const event = { ...base(session.userPoolId, session.clientId, session.username), version: '2', triggerSource: source, request: { userAttributes: attributes, groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] }, scopes: ['openid', 'email'] }, response: { claimsAndScopeOverrideDetails: null } } as unknown as PreTokenGenerationV2TriggerEvent
    const details = (await preTokenGeneration(event)).response.claimsAndScopeOverrideDetails
    const extra = (o: { claimsToAddOrOverride?: Record<string, unknown> } | undefined) => Object.fromEntries(Object.entries(o?.claimsToAddOrOverride ?? {}).filter(([k]) => !RESERVED.has(k)))
    const now = Math.floor(Date.now() / 1000)
    const common = { iss: `${deps.issuerBase}/${session.userPoolId}`, sub: attributes.sub, auth_time: now, iat: now, exp: now + ACCESS_TTL_S, event_id: randomUUID() }
    const access = { ...common, client_id: session.clientId, jti: randomUUID(), scope: 'openid email', token_use: 'access', username: session.username, ...(groups.length > 0 ? { 'cognito:groups': groups } : {}), ...extra(details?.accessTokenGeneration) }
    const id = { ...common, aud: session.clientId, jti: randomUUID(), token_use: 'id', 'cognito:username': session.username, email: attributes.email, email_verified: attributes.email_verified === 'true', identities: JSON.parse(session.identities) as unknown, ...(attributes['custom:tenant_id'] !== undefined ? { 'custom:tenant_id': attributes['custom:tenant_id'] } : {}), ...(groups.length > 0 ? { 'cognito:groups': groups } : {}), ...extra(details?.idTokenGeneration) }
    return { access_token: sign(access), id_token: sign(id), token_type: 'Bearer', expires_in: ACCESS_TTL_S }
  }

  /** The cognito-local user a federated identity signs in as: linked native user, earlier federated user, or a new one. */
  async function userFor (pool: string, clientId: string, provider: StoredProvider, identity: FederatedIdentity): Promise<string> {
    const providerUserId = identity.subject
    const linked = () => deps.providers.userOf(pool, provider.ProviderName, providerUserId)
    const known = linked()
    if (known !== undefined && await getUser(pool, known.username) !== undefined) return known.username
    // A federated user deleted since (AdminDeleteUser): a first sign-in again, as at Cognito.
    if (known !== undefined) deps.providers.recordFederatedUser(pool, undefined, provider.ProviderName, providerUserId)
    const email = identity.attributes.email
    if (email === undefined || email === '') throw new FederationRefusal('The identity provider asserted no email, which this user pool requires.')
    const userName = `${provider.ProviderName}_${providerUserId}`
    const attributes = { ...identity.attributes, email }
    const signUp = { ...base(pool, clientId, userName), triggerSource: 'PreSignUp_ExternalProvider', request: { userAttributes: attributes, validationData: {} }, response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false } } as unknown as PreSignUpTriggerEvent
    await preSignUp(signUp)
    // The handler linked the identity to the native user with this address: Cognito signs in as that user.
    const nowLinked = linked()
    if (nowLinked !== undefined) return nowLinked.username
    let username: string
    try {
      const created = await deps.cognitoLocal.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: email, MessageAction: 'SUPPRESS', UserAttributes: Object.entries(attributes).filter(([n]) => n === 'email' || n === 'email_verified').map(([Name, Value]) => ({ Name, Value })) }))
      username = created.User?.Username ?? email
    } catch (err) {
      if ((err as Error).name !== 'UsernameExistsException') throw err
      // Cognito would make a second user <provider>_<sub> with the same address; cognito-local keeps one per address.
      throw new FederationRefusal(`A user with the address ${email} exists and was not linked to ${provider.ProviderName} (the local stack keeps one user per address).`)
    }
    // Nobody ever learns this password: it only takes the user out of FORCE_CHANGE_PASSWORD, as a federated user has none.
    await deps.cognitoLocal.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: username, Password: `${randomBytes(24).toString('base64url')}aA1!`, Permanent: true }))
    deps.providers.recordFederatedUser(pool, username, provider.ProviderName, providerUserId)
    const user = await getUser(pool, username)
    const userAttributes: Record<string, string> = { 'cognito:user_status': 'EXTERNAL_PROVIDER', identities: identitiesOf(provider, providerUserId) }
    for (const a of user?.UserAttributes ?? []) if (a.Name !== undefined && a.Value !== undefined) userAttributes[a.Name] = a.Value
    const confirmation = { ...base(pool, clientId, username), triggerSource: 'PostConfirmation_ConfirmSignUp', request: { userAttributes } } as unknown as PostConfirmationTriggerEvent
    await postConfirmation(confirmation)
    return username
  }

  const identitiesOf = (provider: StoredProvider, userId: string) => JSON.stringify([{ userId, providerName: provider.ProviderName, providerType: provider.ProviderType, issuer: null, primary: 'false', dateCreated: String(Date.now()) }])

  return {
    /** A federated sign-in through `provider`: the user, the triggers, the tokens (and a refresh token kept here). */
    async signIn (pool: string, clientId: string, provider: StoredProvider, identity: FederatedIdentity): Promise<Tokens> {
      const username = await userFor(pool, clientId, provider, identity)
      const session: Session = { userPoolId: pool, clientId, username, identities: identitiesOf(provider, identity.subject), expiresAt: Math.floor(Date.now() / 1000) + REFRESH_TTL_S }
      const tokens = await mint(session, 'TokenGeneration_HostedAuth')
      const refresh = randomBytes(48).toString('base64url')
      refreshTokens.set(refresh, session)
      return { ...tokens, refresh_token: refresh }
    },
    /** Whether a refresh token is one of ours (the shim answers it here rather than forwarding it to cognito-local). */
    owns: (token: unknown) => typeof token === 'string' && refreshTokens.has(token),
    /** REFRESH_TOKEN_AUTH for one of ours: new access and ID tokens; refused when revoked, expired, or the user is gone or disabled. */
    async refresh (token: string, clientId: string) {
      const session = refreshTokens.get(token)
      if (session === undefined || session.clientId !== clientId || session.expiresAt * 1000 <= Date.now()) throw new FederationRefusal('Invalid Refresh Token')
      return await mint(session, 'TokenGeneration_RefreshTokens')
    },
    revoke: (token: string) => { refreshTokens.delete(token) },
    /** AdminUserGlobalSignOut: every refresh token of the user ends. */
    signOutUser (pool: string, username: string) {
      for (const [token, s] of refreshTokens) if (s.userPoolId === pool && s.username === username) refreshTokens.delete(token)
    }
  }
}
export type LocalFederation = ReturnType<typeof localFederation>
