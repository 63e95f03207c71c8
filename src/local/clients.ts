// AWS SDK clients for the local emulators: fixed region and dummy credentials, never the developer's real ones.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { LOCAL_CREDENTIALS } from '../aws.js'

export const LOCAL_REGION = 'us-east-1'

export function localDynamoClient (endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
}

export function localCognitoClient (endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
}
