// The pre sign-up check every sign-up runs, with no SDK client: native sign-ups (most of them) need nothing else, so the
// Lambda entry (infra/triggers/pre-sign-up.ts) loads the federated path (pre-sign-up.ts) only when one arrives.
import type { PreSignUpTriggerEvent } from 'aws-lambda'

export const TENANT_ATTRIBUTE = 'custom:tenant_id'

/**
 * Defence in depth behind the app client's writeAttributes (which already exclude custom:tenant_id).
 * PreSignUp_AdminCreateUser is allowed through: the API's invite flow sets the tenant with AdminCreateUser.
 * Throwing makes Cognito fail the SignUp call with the error message.
 */
export async function preSignUp (event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> {
  if (event.triggerSource !== 'PreSignUp_AdminCreateUser' && TENANT_ATTRIBUTE in (event.request.userAttributes ?? {})) {
    throw new Error('Sign-up may not set the tenant')
  }
  return event
}
