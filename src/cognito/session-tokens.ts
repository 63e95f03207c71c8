// The token operations of the console's session (src/session/sessions.ts): REFRESH_TOKEN_AUTH, RevokeToken, and the
// managed login's authorization-code exchange. src/cognito/user-pool.ts wraps them in its rate limiting and budget.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
import { InitiateAuthCommand, RevokeTokenCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'

/**
 * Cognito's quota category: InitiateAuth and the token endpoint's grants count as UserAuthentication (120/s by
 * default, per account and region); RevokeToken is counted with them here, a sign-out being rarer than a refresh.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
 */
export const SESSION_CATEGORIES = { InitiateAuthCommand: 'userAuthentication', RevokeTokenCommand: 'userAuthentication' } as const
export const SESSION_RATES = { userAuthentication: 120 }

export interface IssuedTokens { accessToken: string, idToken: string, refreshToken?: string }

/** Cognito refused the token or the grant (expired, revoked, a disabled user, a used code): the session is over. */
export class TokenRefused extends Error {
  override name = 'TokenRefused'
}

const REFUSALS = new Set(['NotAuthorizedException', 'UserNotFoundException', 'InvalidParameterException', 'UserNotConfirmedException', 'PasswordResetRequiredException', 'UnsupportedTokenTypeException'])
const refusalOr = (err: unknown) => REFUSALS.has((err as Error)?.name) ? new TokenRefused((err as Error).message) : err

/** The managed login's token endpoint must answer within this (the SDK calls have their own timeouts). */
const TOKEN_ENDPOINT_TIMEOUT_MS = 5000

/** An HTTP failure of the token endpoint that is the service's, not the grant's: retried later (503). */
class TokenEndpointUnavailable extends Error {
  override name = 'TokenEndpointUnavailable'
}

/** `send` runs an SDK call inside the client's rate limiting; `paced` takes the same budget for a call outside the SDK. */
export function sessionTokenOperations (client: CognitoIdentityProviderClient, send: <T>(call: () => Promise<T>) => Promise<T>, paced: <T>(call: () => Promise<T>) => Promise<T>) {
  return {
    /** REFRESH_TOKEN_AUTH: new access and ID tokens (and a new refresh token only if the client rotates them). */
    async refreshTokens (clientId: string, refreshToken: string): Promise<IssuedTokens> {
      let result
      try {
        result = (await send(() => client.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } })))).AuthenticationResult
      } catch (err) {
        throw refusalOr(err)
      }
      if (!result?.AccessToken || !result.IdToken) throw new TokenRefused('Cognito answered the refresh with no tokens')
      return { accessToken: result.AccessToken, idToken: result.IdToken, ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}) }
    },

    /** RevokeToken: the refresh token and the access tokens issued from it stop working at Cognito. */
    async revokeRefreshToken (clientId: string, refreshToken: string): Promise<void> {
      try {
        await send(() => client.send(new RevokeTokenCommand({ ClientId: clientId, Token: refreshToken })))
      } catch (err) {
        throw refusalOr(err)
      }
    },

    /**
     * The authorization code grant of a public client with PKCE (RFC 7636): the code, the verifier and the redirect URI
     * the browser used. `loginUrl` is the managed login's base URL (https://auth.example.com).
     */
    async exchangeCode (loginUrl: string, grant: { clientId: string, code: string, codeVerifier: string, redirectUri: string }): Promise<IssuedTokens & { refreshToken: string }> {
      const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: grant.clientId, code: grant.code, code_verifier: grant.codeVerifier, redirect_uri: grant.redirectUri })
      const res = await paced(async () => {
        const answer = await fetch(`${loginUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal: AbortSignal.timeout(TOKEN_ENDPOINT_TIMEOUT_MS) })
        if (answer.status === 429 || answer.status >= 500) throw new TokenEndpointUnavailable(`the token endpoint answered ${answer.status}`)
        return answer
      })
      const body = await res.json().catch(() => ({})) as Record<string, unknown>
      if (!res.ok) throw new TokenRefused(`the token endpoint refused the code: ${typeof body.error === 'string' ? body.error : res.status}`)
      const { access_token: access, id_token: id, refresh_token: refresh } = body
      if (typeof access !== 'string' || typeof id !== 'string' || typeof refresh !== 'string') throw new TokenRefused('the token endpoint answered without the three tokens')
      return { accessToken: access, idToken: id, refreshToken: refresh }
    }
  }
}
