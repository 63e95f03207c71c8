// Lambda entry of the Cognito pre token generation (V2) trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/pre-token-generation.ts.
import { createPreTokenGenerationHandler } from '../../src/cognito/triggers/pre-token-generation.js'
import { liveHandler } from '../../src/cognito/triggers/live.js'

export const handler = liveHandler(createPreTokenGenerationHandler)
