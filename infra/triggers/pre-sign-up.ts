// Lambda entry of the Cognito pre sign-up trigger (infra/lib/auth.ts bundles it); the logic is src/cognito/triggers/pre-sign-up.ts.
export { preSignUp as handler } from '../../src/cognito/triggers/pre-sign-up.js'
