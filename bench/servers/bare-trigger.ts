// Cold-start baseline of a Cognito trigger (bench/coldstart.ts): a handler that makes the trigger's DynamoDB call and
// nothing else, through the same clients the triggers use (src/cognito/triggers/live.ts: a DynamoDBClient with the
// Lambda's defaults, the document client over it, built on the first invocation). BARE_TRIGGER_CALL picks the call:
// `get` (pre token generation reads a membership), `transact` (post confirmation founds a tenant in one transaction).
// Pre sign-up makes no call: its baseline is bare-trigger-echo.ts. Bundled by the same NodejsFunction settings as the triggers (infra/lib/bundling.ts).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'

let doc: DynamoDBDocumentClient | undefined

export async function handler<E> (event: E): Promise<E> {
  const call = process.env.BARE_TRIGGER_CALL
  const TableName = process.env.TABLE_NAME
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })
  if (call === 'get') {
    await doc.send(new GetCommand({ TableName, Key: { PK: 'TENANT#tenant-bench', SK: 'MEMBER#bench' }, ConsistentRead: true }))
  } else if (call === 'transact') {
    await doc.send(new TransactWriteCommand({
      TransactItems: [{ Put: { TableName, Item: { PK: 'TENANT#tenant-bench', SK: 'META', name: 'bench' }, ConditionExpression: 'attribute_not_exists(PK)' } }]
    }))
  } else {
    throw new Error(`BARE_TRIGGER_CALL must be get or transact, not ${call}`)
  }
  return event
}
