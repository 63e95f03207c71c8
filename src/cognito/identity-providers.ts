// The identity-provider and app-client operations of the admin client (src/cognito/user-pool.ts wraps them in its rate limiting).
import {
  CreateIdentityProviderCommand,
  DeleteIdentityProviderCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  type CognitoIdentityProviderClient,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType
} from '@aws-sdk/client-cognito-identity-provider'

/**
 * Cognito's quota categories of these operations: provider and client updates 15/s, their reads (UserPoolClientRead,
 * IdentityProviderRead) counted alike, and UserFederation (AdminLinkProviderForUser) 25/s, per account and region.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
 */
export const PROVIDER_CATEGORIES = {
  CreateIdentityProviderCommand: 'providerUpdate',
  UpdateIdentityProviderCommand: 'providerUpdate',
  DeleteIdentityProviderCommand: 'providerUpdate',
  UpdateUserPoolClientCommand: 'providerUpdate',
  DescribeIdentityProviderCommand: 'providerRead',
  ListIdentityProvidersCommand: 'providerRead',
  DescribeUserPoolClientCommand: 'providerRead',
  AdminLinkProviderForUserCommand: 'userFederation'
} as const
export const PROVIDER_RATES = { providerUpdate: 15, providerRead: 15, userFederation: 25 }

/**
 * What UpdateUserPoolClient takes: every one of these is reset when the call leaves it out, so an update sends all of
 * them back as DescribeUserPoolClient returned them.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
 */
const CLIENT_SETTINGS = [
  'ClientName', 'RefreshTokenValidity', 'AccessTokenValidity', 'IdTokenValidity', 'TokenValidityUnits', 'ReadAttributes',
  'WriteAttributes', 'ExplicitAuthFlows', 'SupportedIdentityProviders', 'CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI',
  'AllowedOAuthFlows', 'AllowedOAuthScopes', 'AllowedOAuthFlowsUserPoolClient', 'AnalyticsConfiguration',
  'PreventUserExistenceErrors', 'EnableTokenRevocation', 'EnablePropagateAdditionalUserContextData', 'AuthSessionValidity',
  'RefreshTokenRotation'
] as const

/** The whole update that writes `client` back with `change` applied (nothing left out, so nothing reset). */
export function clientUpdate (client: UserPoolClientType, change: Partial<UpdateUserPoolClientCommandInput>): UpdateUserPoolClientCommandInput {
  const input: Record<string, unknown> = { UserPoolId: client.UserPoolId, ClientId: client.ClientId }
  for (const key of CLIENT_SETTINGS) if (client[key] !== undefined) input[key] = client[key]
  return { ...input, ...change } as UpdateUserPoolClientCommandInput
}

export interface ProviderInput {
  name: string
  type: 'OIDC' | 'SAML'
  details: Record<string, string>
  attributeMapping: Record<string, string>
  identifiers: string[]
}
export interface ProviderDescription { name: string, type: string, details: Record<string, string>, identifiers: string[] }

type Send = <T>(call: () => Promise<T>) => Promise<T>
const isNotFound = (err: unknown) => (err as Error).name === 'ResourceNotFoundException'

export function identityProviderOperations (client: CognitoIdentityProviderClient, userPoolId: string, send: Send) {
  return {
    async createProvider (p: ProviderInput): Promise<void> {
      await send(() => client.send(new CreateIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: p.name, ProviderType: p.type, ProviderDetails: p.details, AttributeMapping: p.attributeMapping, IdpIdentifiers: p.identifiers })))
    },

    /** DescribeIdentityProvider, as Cognito returns it (an OIDC provider's details include its client secret); null when gone. */
    async describeProvider (name: string): Promise<ProviderDescription | null> {
      try {
        const { IdentityProvider: p } = await send(() => client.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })))
        return { name, type: p?.ProviderType ?? 'unknown', details: p?.ProviderDetails ?? {}, identifiers: p?.IdpIdentifiers ?? [] }
      } catch (err) {
        if (isNotFound(err)) return null
        throw err
      }
    },

    /** Deletes the provider; one already gone counts as deleted, so a retried removal completes. */
    async deleteProvider (name: string): Promise<void> {
      try {
        await send(() => client.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })))
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    },

    /**
     * Read-then-write of the whole app client with its provider list changed by `change`. Not atomic: callers serialize
     * it (src/services/sso/client-providers.ts) so that two changes never write back the same old list.
     */
    async changeClientProviders (clientId: string, change: (providers: string[]) => string[]): Promise<string[]> {
      const { UserPoolClient: current } = await send(() => client.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })))
      if (current === undefined) throw new Error(`App client ${clientId} not found`)
      const before = current.SupportedIdentityProviders ?? []
      const after = change(before)
      if (after.length === before.length && after.every((p, i) => p === before[i])) return after
      await send(() => client.send(new UpdateUserPoolClientCommand(clientUpdate(current, { SupportedIdentityProviders: after }))))
      return after
    }
  }
}
