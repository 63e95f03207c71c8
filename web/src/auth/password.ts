// Local sign-in without a managed login domain: USER_PASSWORD_AUTH against the Cognito API (cognito-local in
// `npm run dev`), including an invited user's NEW_PASSWORD_REQUIRED challenge. The refresh token it answers goes straight
// to the API's session (web/src/auth/bff.ts); REFRESH_TOKEN_AUTH is here for the tests and the API's own use.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
import { tokensFrom, type Tokens } from './tokens.js'

export interface CognitoRequest { url: string, init: { method: 'POST', headers: Record<string, string>, body: string } }

export function cognitoRequest (endpoint: string, operation: 'InitiateAuth' | 'RespondToAuthChallenge', body: Record<string, unknown>): CognitoRequest {
  return {
    url: `${endpoint}/`,
    init: {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body)
    }
  }
}

export const passwordAuth = (endpoint: string, clientId: string, email: string, password: string) =>
  cognitoRequest(endpoint, 'InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: password } })

export const newPasswordChallenge = (endpoint: string, clientId: string, email: string, newPassword: string, session: string) =>
  cognitoRequest(endpoint, 'RespondToAuthChallenge', { ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: clientId, Session: session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword } })

export const refreshAuth = (endpoint: string, clientId: string, refreshToken: string) =>
  cognitoRequest(endpoint, 'InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } })

export type AuthOutcome = { tokens: Tokens } | { challenge: 'NEW_PASSWORD_REQUIRED', session: string }

/** Cognito's answer: tokens, the new-password challenge, or an Error with Cognito's message (e.g. "Incorrect username or password."). */
export function authOutcome (status: number, body: Record<string, unknown>): AuthOutcome {
  if (status >= 400) {
    const type = typeof body.__type === 'string' ? body.__type.replace(/^.*#/, '') : `HTTP ${status}`
    throw new Error(typeof body.message === 'string' && body.message !== '' ? body.message : type)
  }
  const result = body.AuthenticationResult as Record<string, unknown> | undefined
  if (result !== undefined && typeof result.AccessToken === 'string' && typeof result.IdToken === 'string') {
    return { tokens: tokensFrom(result.AccessToken, result.IdToken, typeof result.RefreshToken === 'string' ? result.RefreshToken : undefined) }
  }
  if (body.ChallengeName === 'NEW_PASSWORD_REQUIRED' && typeof body.Session === 'string') return { challenge: 'NEW_PASSWORD_REQUIRED', session: body.Session }
  throw new Error(typeof body.ChallengeName === 'string' ? `Sign-in needs ${body.ChallengeName}, which this console does not support` : 'Sign-in returned no tokens')
}

export async function send (request: CognitoRequest): Promise<AuthOutcome> {
  const res = await fetch(request.url, request.init)
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  return authOutcome(res.status, body)
}
