// Bundled in place of @aws-sdk/credential-provider-node in every Lambda (the alias in ../bundling.ts). The SDK clients'
// runtime config imports that package's defaultProvider statically, and with it the whole default chain: the SSO,
// SSO-OIDC and STS clients and the ini, process, token-file and instance-metadata providers (~0.3 MB of the bundle).
// Lambda puts the function role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), so the environment provider is the whole chain there. Local runs and tests are not bundled and
// keep the default chain.
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env'

/** Same name and call shape as @aws-sdk/credential-provider-node's: the clients pass their config as `init`. */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init)
