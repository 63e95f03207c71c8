// Cognito pre authentication trigger: refuses a password sign-in at a domain whose tenant requires SSO, naming the way in.
import type { PreAuthenticationTriggerEvent } from 'aws-lambda'
import { AdminListGroupsForUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { domainOf, DOMAIN_REGEX } from '../../domain/domain-name.js'
import { normalizeEmail } from '../../repositories/keys.js'
import { ssoRepository } from '../../repositories/sso.js'
import { domainsRepository } from '../../repositories/domains.js'

export interface PreAuthenticationDeps {
  dynamo: DynamoDBDocumentClient
  tableName: string
  /** Whether the user is a platform admin (the pool's platform-admins group): never refused, they hold the keys to every tenant's recovery. */
  isPlatformAdmin: (userPoolId: string, username: string) => Promise<boolean>
}

/** Platform admins by their Cognito groups (the trigger's role needs AdminListGroupsForUser on the pool). */
export function cognitoPlatformAdminCheck (client: CognitoIdentityProviderClient = new CognitoIdentityProviderClient({})) {
  return async (userPoolId: string, username: string): Promise<boolean> => {
    try {
      const res = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username, Limit: 60 }))
      return (res.Groups ?? []).some(g => g.GroupName === 'platform-admins')
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return false
      throw err
    }
  }
}

/**
 * Cognito runs this before checking a password (sign-in with a password or SRP, not a federated sign-in, and not a
 * refresh). An address at a domain whose connection's tenant requires SSO is refused, with a message naming the way
 * in; Cognito answers the client NotAuthorizedException "PreAuthentication failed with error <message>". Other
 * domains, and platform admins, pass.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-authentication.html
 */
export function createPreAuthenticationHandler (deps: PreAuthenticationDeps) {
  const sso = ssoRepository({ doc: deps.dynamo, tableName: deps.tableName })
  const domains = domainsRepository({ doc: deps.dynamo, tableName: deps.tableName })
  return async function preAuthentication (event: PreAuthenticationTriggerEvent): Promise<PreAuthenticationTriggerEvent> {
    const attributes = event.request.userAttributes
    if (attributes['cognito:user_status'] === 'EXTERNAL_PROVIDER' || attributes.email === undefined) return event
    const domain = domainOf(normalizeEmail(attributes.email))
    if (!DOMAIN_REGEX.test(domain)) return event
    const route = await sso.domain(domain)
    if (route === null || !route.enforced) return event
    // Only while the enforcing tenant still owns the domain (a stale route never locks out another tenant's people).
    if ((await domains.owner(domain, { consistent: false }))?.tenantId !== route.tenantId) return event
    if (await deps.isPlatformAdmin(event.userPoolId, event.userName)) return event
    throw new Error(`${domain} signs in with single sign-on: choose "Sign in with SSO" and enter your work email (identity_provider=${route.providerName})`)
  }
}
