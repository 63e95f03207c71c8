// AWS SDK clients for the local emulators: fixed region and dummy credentials, never the developer's real ones.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { documentClient } from '../aws.js'

export const LOCAL_REGION = 'us-east-1'
/** DynamoDB Local and cognito-local accept any credentials; these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const

export function localDynamoClient (endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
}

export function localDocumentClient (client: DynamoDBClient): DynamoDBDocumentClient {
  return documentClient(client)
}

export function localCognitoClient (endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
}
