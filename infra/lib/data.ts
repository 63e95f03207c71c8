// The single DynamoDB table, built from src/dynamodb/table.ts so key names, GSI1 and the TTL attribute cannot drift from the app.
import { RemovalPolicy } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import { Construct } from 'constructs'
import { TABLE } from '../../src/dynamodb/table.js'

export interface DataProps {
  tableName: string
}

export class Data extends Construct {
  readonly table: dynamodb.Table

  constructor (scope: Construct, id: string, props: DataProps) {
    super(scope, id)
    // dynamodb.Table (AWS::DynamoDB::Table), not TableV2 (AWS::DynamoDB::GlobalTable): the app runs in one region,
    // the resource matches what `npm run db:setup` creates locally, and PITR/TTL/deletion protection sit on the
    // table itself rather than per replica. Moving to TableV2 later is a retain-and-import, not a property change.
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN
    })
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.gsi1.indexName,
      partitionKey: { name: TABLE.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL
    })
  }
}
