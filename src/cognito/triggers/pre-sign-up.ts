// Cognito pre sign-up trigger: refuses a self sign-up that tries to choose its own tenant, and links a federated first sign-in to the person's native account when the provider's tenant verified the email's domain.
import type { PreSignUpTriggerEvent } from 'aws-lambda'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ssoJoining } from '../../services/users/sso-join.js'
import type { AccountLinker } from './federation.js'

// The check every sign-up runs lives apart (pre-sign-up-check.ts): the Lambda entry loads this module only for a federated one.
export { preSignUp, TENANT_ATTRIBUTE } from './pre-sign-up-check.js'
import { preSignUp } from './pre-sign-up-check.js'

export interface PreSignUpDeps { dynamo: DynamoDBDocumentClient, tableName: string, linker: AccountLinker }

/**
 * PreSignUp_ExternalProvider (a person's first sign-in through an identity provider; userName `<provider>_<id>`): when
 * the provider is the connection of the tenant that verified the email's domain, and a native user holds that address
 * (verified), the federated identity is linked to it (AdminLinkProviderForUser), so the person keeps one account and
 * all its memberships. Cognito then fails this first sign-in once ("Already found an entry for username"); the client
 * retries and signs in as the native user. Any other provider is never linked: it could assert any address.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
 */
export function createPreSignUpHandler (deps: PreSignUpDeps) {
  const sso = ssoJoining({ dynamo: { doc: deps.dynamo, tableName: deps.tableName } })
  return async function handler (event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> {
    await preSignUp(event)
    if (event.triggerSource !== 'PreSignUp_ExternalProvider') return event
    const email = event.request.userAttributes.email
    const at = event.userName.indexOf('_')
    if (email === undefined || at < 1) return event
    const providerName = event.userName.slice(0, at)
    const providerUserId = event.userName.slice(at + 1)
    if (await sso.tenantFor(email, providerName) === null) return event
    const native = await deps.linker.nativeUser(event.userPoolId, email)
    if (native === null || !native.emailVerified) return event
    try {
      await deps.linker.link(event.userPoolId, native.username, providerName, providerUserId)
      console.log(JSON.stringify({ msg: 'federated identity linked', providerName, username: native.username }))
    } catch (err) {
      // At most 5 linked identities per user, or a race with another link: sign in as a separate federated user.
      console.log(JSON.stringify({ msg: 'federated identity not linked', providerName, error: (err as Error).name }))
    }
    return event
  }
}
