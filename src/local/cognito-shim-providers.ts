// The identity-provider operations of the Cognito shim (src/local/cognito-shim.ts), which cognito-local lacks: answered
// from the store in src/local/identity-providers.ts, and UpdateUserPoolClient as Cognito does it (see the shim's header).
import type { IncomingHttpHeaders } from 'node:http'
import { CLIENT_RESET, json, Refusal, type Json, type Upstream } from './cognito-shim-parts.js'
import type { identityProviderStore } from './identity-providers.js'

interface ShimCalls {
  providers: ReturnType<typeof identityProviderStore>
  answered: string[]
  call: (operation: string, input: Json) => Promise<{ status: number, body: Json }>
  forward: (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) => Promise<Upstream>
  getUser: (pool: string, username: string) => Promise<Json | undefined>
}

export function providerOperations ({ providers, answered, call, forward, getUser }: ShimCalls): Record<string, (input: Json, body: Buffer, headers: IncomingHttpHeaders) => Promise<Upstream>> {
  /** The pool must exist (cognito-local's ResourceNotFoundException otherwise); then the store answers. */
  const inPool = (operation: string, run: (pool: string, input: Json) => Json) => async (input: Json): Promise<Upstream> => {
    answered.push(operation)
    const pool = String(input.UserPoolId)
    const described = await call('DescribeUserPool', { UserPoolId: pool })
    if (described.status !== 200) return json(described.status, described.body)
    return json(200, run(pool, input))
  }

  return {
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
    }
  }
}

type Operation = (input: Json, body: Buffer, headers: IncomingHttpHeaders) => Promise<Upstream>

/** The refresh tokens the local managed login issued (src/local/managed-login-users.ts), which cognito-local never saw. */
export interface FederatedTokens {
  owns: (token: unknown) => boolean
  refresh: (token: string, clientId: string) => Promise<{ access_token: string, id_token: string, expires_in: number }>
  revoke: (token: string) => void
  signOutUser: (pool: string, username: string) => void
}

/**
 * REFRESH_TOKEN_AUTH and RevokeToken for a refresh token of the local managed login are answered by it (a refusal is
 * Cognito's NotAuthorizedException); AdminUserGlobalSignOut also ends its refresh tokens of the user. The rest as before.
 */
export function federatedTokenOperations (federated: () => FederatedTokens | undefined, ops: Record<string, Operation>, forward: ShimCalls['forward'], getUser: ShimCalls['getUser']): Record<string, Operation> {
  const { InitiateAuth, AdminUserGlobalSignOut } = ops as Required<Record<'InitiateAuth' | 'AdminUserGlobalSignOut', Operation>>
  return {
    ...ops,
    async InitiateAuth (input, body, headers) {
      const token = (input.AuthParameters as Json | undefined)?.REFRESH_TOKEN
      const f = federated()
      if (input.AuthFlow !== 'REFRESH_TOKEN_AUTH' || f === undefined || !f.owns(token)) return await InitiateAuth(input, body, headers)
      let t
      try {
        t = await f.refresh(String(token), String(input.ClientId))
      } catch (err) {
        if ((err as Error).name === 'FederationRefusal') throw new Refusal('NotAuthorizedException', (err as Error).message)
        throw err
      }
      return json(200, { ChallengeParameters: {}, AuthenticationResult: { AccessToken: t.access_token, IdToken: t.id_token, ExpiresIn: t.expires_in, TokenType: 'Bearer' } })
    },
    async RevokeToken (input, body, headers) {
      const f = federated()
      if (f === undefined || !f.owns(input.Token)) return await forward('POST', '/', headers, body)
      f.revoke(String(input.Token))
      return json(200, {})
    },
    async AdminUserGlobalSignOut (input, body, headers) {
      const out = await AdminUserGlobalSignOut(input, body, headers)
      const user = out.status === 200 ? await getUser(String(input.UserPoolId), String(input.Username)) : undefined
      if (user !== undefined) federated()?.signOutUser(String(input.UserPoolId), String(user.Username))
      return out
    }
  }
}
