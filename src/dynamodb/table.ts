// The one definition of the single-table layout: `npm run db:setup`, the tests and the CDK stack all read it.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  gsi1: { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /** Epoch seconds; DynamoDB TTL removes expired idempotency records. */
  ttlAttribute: 'expiresAt',
  /** TABLE_NAME's default (local dev, db:setup); a deployed table is named by infra's stage prefix, saas-app-<stage>. */
  defaultName: 'saas-app'
} as const

/** CreateTable input for the table: on-demand billing, string keys, one all-attributes GSI. */
export function createTableInput (tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.sortKey, AttributeType: 'S' },
      { AttributeName: TABLE.gsi1.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.gsi1.sortKey, AttributeType: 'S' }
    ],
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' }
    ],
    GlobalSecondaryIndexes: [{
      IndexName: TABLE.gsi1.indexName,
      KeySchema: [
        { AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' }
      ],
      Projection: { ProjectionType: 'ALL' }
    }]
  }
}
