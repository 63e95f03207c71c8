// The federated path of the pre sign-up trigger, loaded by infra/triggers/pre-sign-up.ts on a federated first sign-in.
import { createPreSignUpHandler } from '../../src/cognito/triggers/pre-sign-up.js'
import { cognitoAccountLinker } from '../../src/cognito/triggers/federation.js'
import { liveHandler } from '../../src/cognito/triggers/live.js'

export const handler = liveHandler(deps => createPreSignUpHandler({ ...deps, linker: cognitoAccountLinker() }))
