// Lambda entry of the Cognito pre sign-up trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/pre-sign-up.ts.
import { createPreSignUpHandler } from '../../src/cognito/triggers/pre-sign-up.js'
import { cognitoAccountLinker } from '../../src/cognito/triggers/federation.js'
import { liveHandler } from '../../src/cognito/triggers/live.js'

export const handler = liveHandler(deps => createPreSignUpHandler({ ...deps, linker: cognitoAccountLinker() }))
