// Creates a user pool, app client and users in cognito-local the way the real stack configures them.
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  type AttributeType,
  type CognitoIdentityProviderClient
} from '@aws-sdk/client-cognito-identity-provider'
import { PLATFORM_GROUPS, type PlatformGroup } from '../domain/model.js'

export interface LocalUserPool {
  userPoolId: string
  clientId: string
}

/** A pool with email sign-in, an immutable custom:tenant_id, the platform-admins group (tenant roles live in memberships), and a public app client. */
export async function createLocalUserPool (client: CognitoIdentityProviderClient, { poolName }: { poolName: string }): Promise<LocalUserPool> {
  const { UserPool: pool } = await client.send(new CreateUserPoolCommand({
    PoolName: poolName,
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    // Immutable, so no one (not even the user through an app client) can move themselves to another tenant.
    Schema: [{ Name: 'tenant_id', AttributeDataType: 'String', Mutable: false }]
  }))
  const userPoolId = pool?.Id
  if (userPoolId === undefined) throw new Error('CreateUserPool returned no pool id')

  for (const group of PLATFORM_GROUPS) {
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }))
  }

  const { UserPoolClient: appClient } = await client.send(new CreateUserPoolClientCommand({
    UserPoolId: userPoolId,
    ClientName: `${poolName}-client`,
    GenerateSecret: false,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    SupportedIdentityProviders: ['COGNITO']
  }))
  const clientId = appClient?.ClientId
  if (clientId === undefined) throw new Error('CreateUserPoolClient returned no client id')
  return { userPoolId, clientId }
}

export interface CreateLocalUserOptions {
  userPoolId: string
  email: string
  password: string
  /** Platform roles only: the pool has no tenant groups. */
  groups: readonly PlatformGroup[]
  tenantId?: string
  /** When the email is taken, reuse that user (its password and groups are set again) instead of failing. */
  reuseExisting?: boolean
}

export interface LocalUser {
  /** The user's `sub`: the id the API and the membership items use. */
  userId: string
  /** Cognito's Username; with email as username attribute, cognito-local sets it to the sub. */
  username: string
}

/** A confirmed user with a permanent password, in the given groups, ready for USER_PASSWORD_AUTH. */
export async function createLocalUser (client: CognitoIdentityProviderClient, options: CreateLocalUserOptions): Promise<LocalUser> {
  const { userPoolId, email, password, groups, tenantId } = options
  const attributes: AttributeType[] = [
    { Name: 'email', Value: email },
    { Name: 'email_verified', Value: 'true' }
  ]
  if (tenantId !== undefined) attributes.push({ Name: 'custom:tenant_id', Value: tenantId })

  let user: { username: string, attributes: AttributeType[] }
  try {
    const { User: created } = await client.send(new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      UserAttributes: attributes,
      MessageAction: 'SUPPRESS'
    }))
    if (created?.Username === undefined) throw new Error(`AdminCreateUser returned no Username for ${email}`)
    user = { username: created.Username, attributes: created.Attributes ?? [] }
  } catch (err) {
    if (!(options.reuseExisting === true && (err as Error).name === 'UsernameExistsException')) throw err
    const existing = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }))
    if (existing.Username === undefined) throw new Error(`AdminGetUser returned no Username for ${email}`)
    user = { username: existing.Username, attributes: existing.UserAttributes ?? [] }
  }
  const userId = user.attributes.find((a) => a.Name === 'sub')?.Value ?? user.username

  // Plays the invited user choosing a password, which moves them out of FORCE_CHANGE_PASSWORD.
  await client.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: user.username, Password: password, Permanent: true }))
  for (const group of groups) {
    // The Username from Cognito, not the email: cognito-local's group lookups key on it (see LOCAL-SERVICES.md).
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.username, GroupName: group }))
  }
  return { userId, username: user.username }
}

export interface Tokens {
  accessToken: string
  idToken: string
  refreshToken: string
}

export async function signIn (client: CognitoIdentityProviderClient, { clientId, email, password }: { clientId: string, email: string, password: string }): Promise<Tokens> {
  const { AuthenticationResult: result, ChallengeName } = await client.send(new InitiateAuthCommand({
    ClientId: clientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: email, PASSWORD: password }
  }))
  if (result?.AccessToken === undefined || result.IdToken === undefined || result.RefreshToken === undefined) {
    throw new Error(`Sign-in for ${email} returned no tokens${ChallengeName === undefined ? '' : ` (challenge ${ChallengeName})`}`)
  }
  return { accessToken: result.AccessToken, idToken: result.IdToken, refreshToken: result.RefreshToken }
}
