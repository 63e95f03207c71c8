// Lambda entry of the Cognito pre authentication trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/pre-authentication.ts.
import { cognitoPlatformAdminCheck, createPreAuthenticationHandler } from '../../src/cognito/triggers/pre-authentication.js'
import { liveHandler } from '../../src/cognito/triggers/live.js'

export const handler = liveHandler(deps => createPreAuthenticationHandler({ ...deps, isPlatformAdmin: cognitoPlatformAdminCheck() }))
