// `npm run db:backfill`: recounts account records and tenants' active admins from the memberships (idempotent).
import { documentClient } from '../aws.js'
import { backfillCounts } from '../services/users/backfill.js'
import { runWithTable } from './table-client.js'

runWithTable('db:backfill', async (client, { tableName }) => {
  await backfillCounts({ doc: documentClient(client), tableName }, line => console.log(line))
})
