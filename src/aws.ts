// Shared AWS SDK client settings: endpoint overrides for the local services, their dummy credentials, the document client.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
/** DynamoDB Local and cognito-local accept any credentials; these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const

export function isLocalEndpoint (endpoint: string | undefined): boolean {
  if (!endpoint) return false
  try { return LOCAL_HOSTS.has(new URL(endpoint).hostname) } catch { return false }
}

/**
 * Client options for one service, from the two Config fields it needs (a structural type: src/config.ts imports this
 * module, and a type import back would be a cycle). A local endpoint with no credentials in the environment gets dummy ones,
 * so `npm run dev` needs no AWS profile; anything else uses the SDK's default provider chain.
 */
export function awsClientOptions (config: { AWS_REGION: string, AWS_MAX_ATTEMPTS: number }, endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_WEB_IDENTITY_TOKEN_FILE)
  return {
    region: config.AWS_REGION,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    ...(endpoint ? { endpoint } : {}),
    ...(isLocalEndpoint(endpoint) && !hasCredentials ? { credentials: LOCAL_CREDENTIALS } : {})
  }
}

/**
 * The document client over `client`, as the API, the Cognito triggers and the local tooling all build it: an optional
 * attribute left `undefined` is omitted from the item instead of making the marshaller throw.
 */
export function documentClient (client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
}
