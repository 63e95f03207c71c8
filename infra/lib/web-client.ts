// The Cognito app client the web console signs in with (and the API's JWT audience), with its managed-login branding.
import { Duration } from 'aws-cdk-lib'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import { Construct } from 'constructs'
import type { StageConfig } from './config.js'

/** How long a sign-in lasts: the client's refresh tokens, and the console's session at the API (SESSION_TTL_SECONDS). */
export const REFRESH_TOKEN_VALIDITY = Duration.days(30)

export interface WebClientProps {
  config: StageConfig
  userPool: cognito.IUserPool
  /** OAuth redirect URIs: the console's origin + '/' and the configured ones (localhost for development). */
  callbackUrls: string[]
  logoutUrls: string[]
}

/**
 * Lives in the stateless stack beside the console, not in the stateful stack with the pool: its redirect URIs name the
 * console's CloudFront domain, and a reference from the stateful stack to it would make a cycle between the stacks
 * (docs/decisions/0015-web-client-beside-the-console.md). A client holds no user data; replacing it ends sessions.
 */
export class WebClient extends Construct {
  readonly client: cognito.UserPoolClient

  constructor (scope: Construct, id: string, props: WebClientProps) {
    super(scope, id)
    const { config, userPool } = props

    this.client = new cognito.UserPoolClient(this, 'Client', {
      userPool,
      userPoolClientName: `${config.prefix}-web`,
      // A browser app cannot keep a secret: public client, authorization code grant, and the app sends a PKCE
      // code_challenge (Cognito honours PKCE on the authorize endpoint for any client; public clients must use it).
      generateSecret: false,
      authFlows: { userSrp: true, ...(config.passwordless ? { user: true } : {}) },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        // The API checks no scope (API Gateway's authorizer and the app only check issuer, client_id and token_use).
        // No aws.cognito.signin.user.admin: the console has no use for the user-self API through these tokens.
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: REFRESH_TOKEN_VALIDITY,
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('tenant_id'),
      // Listed explicitly: without writeAttributes a client may write every writable attribute, and a user could
      // pick their own custom:tenant_id at sign-up (the tenant-escape hole). custom:tenant_id is deliberately absent.
      // email stays: Cognito requires every app client to be able to write every required attribute (it rejects
      // CreateUserPoolClient with "Invalid write attributes specified" otherwise), and SignUp needs it. What a user
      // can do with it after sign-up is bounded by keepOriginal on the pool (auth.ts).
      writeAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, fullname: true })
    })

    // Managed login (v2) shows nothing for a client without a branding style; Cognito's defaults are enough for now.
    // The domain it needs is in the stateful stack, which this stack depends on, so it exists first.
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true
    })
  }
}
