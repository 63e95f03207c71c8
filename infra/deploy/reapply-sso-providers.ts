// Lambda entry of the deploy step that puts the SSO providers back on the web client (infra/lib/sso-providers.ts
// bundles it); the logic is src/services/sso/reapply.ts and reapply-resource.ts.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { documentClient } from '../../src/aws.js'
import { identityProviderOperations } from '../../src/cognito/identity-providers.js'
import { requireEnv } from '../../src/cognito/triggers/live.js'
import { reapplyClientProviders } from '../../src/services/sso/reapply.js'
import { reapplyResourceHandler } from '../../src/services/sso/reapply-resource.js'

export const handler = reapplyResourceHandler(async clientId => {
  const cognito = new CognitoIdentityProviderClient({ maxAttempts: 8 })
  const dynamo = { doc: documentClient(new DynamoDBClient({})), tableName: requireEnv('TABLE_NAME') }
  const operations = identityProviderOperations(cognito, requireEnv('COGNITO_USER_POOL_ID'), async call => await call())
  return await reapplyClientProviders({ dynamo, cognito: operations, clientId })
})
