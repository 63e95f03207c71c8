// What a trigger event says about federation: the identity providers a user signs in through, and linking a federated identity to a native user.
import {
  AdminGetUserCommand,
  AdminLinkProviderForUserCommand,
  CognitoIdentityProviderClient
} from '@aws-sdk/client-cognito-identity-provider'

/**
 * The providers behind a user: Cognito's `identities` attribute (a JSON list of { providerName, userId, ... }), which a
 * federated user and a native user linked to a provider both carry; else a federated user's userName,
 * `<providerName>_<id>`. https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
 */
export function federatedProviders (attributes: Record<string, string | undefined>, userName: string): string[] {
  const names = new Set<string>()
  try {
    const identities = JSON.parse(attributes.identities ?? '[]') as Array<{ providerName?: unknown }>
    if (Array.isArray(identities)) for (const i of identities) if (typeof i?.providerName === 'string') names.add(i.providerName)
  } catch { /* not JSON: no identities */ }
  if (attributes['cognito:user_status'] === 'EXTERNAL_PROVIDER' && userName.includes('_')) names.add(userName.slice(0, userName.indexOf('_')))
  return [...names]
}

/** The Cognito calls the pre sign-up trigger makes to link accounts (its role needs AdminGetUser and AdminLinkProviderForUser). */
export interface AccountLinker {
  /** The native user with this email (email is the pool's username attribute), or null. */
  nativeUser: (userPoolId: string, email: string) => Promise<{ username: string, emailVerified: boolean } | null>
  link: (userPoolId: string, nativeUsername: string, providerName: string, providerUserId: string) => Promise<void>
}

export function cognitoAccountLinker (client: CognitoIdentityProviderClient = new CognitoIdentityProviderClient({})): AccountLinker {
  return {
    async nativeUser (userPoolId, email) {
      try {
        const u = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }))
        if (u.UserStatus === 'EXTERNAL_PROVIDER' || u.Username === undefined) return null
        return { username: u.Username, emailVerified: u.UserAttributes?.find(a => a.Name === 'email_verified')?.Value === 'true' }
      } catch (err) {
        if ((err as Error).name === 'UserNotFoundException') return null
        throw err
      }
    },
    async link (userPoolId, nativeUsername, providerName, providerUserId) {
      await client.send(new AdminLinkProviderForUserCommand({
        UserPoolId: userPoolId,
        DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: nativeUsername },
        SourceUser: { ProviderName: providerName, ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: providerUserId }
      }))
    }
  }
}
