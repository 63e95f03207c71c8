// Lambda entry of the Cognito post confirmation trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/post-confirmation.ts.
import { createPostConfirmationHandler } from '../../src/cognito/triggers/post-confirmation.js'
import { liveHandler } from '../../src/cognito/triggers/live.js'

export const handler = liveHandler(createPostConfirmationHandler)
