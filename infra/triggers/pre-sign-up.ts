// Lambda entry of the Cognito pre sign-up trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/.
// A native sign-up runs only the check; the SDK clients and the SSO linking load at the first federated one.
import type { PreSignUpTriggerEvent } from 'aws-lambda'
import { preSignUp } from '../../src/cognito/triggers/pre-sign-up-check.js'

let federated: Promise<(event: PreSignUpTriggerEvent) => Promise<PreSignUpTriggerEvent>> | undefined
export async function handler (event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> {
  if (event.triggerSource !== 'PreSignUp_ExternalProvider') return await preSignUp(event)
  federated ??= import('./pre-sign-up-federated.js').then(m => m.handler)
  return await (await federated)(event)
}
