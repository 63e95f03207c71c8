// `npm run db:setup`: creates the table (and TTL) at DYNAMODB_ENDPOINT or in the account's region; idempotent.
import { ensureTable } from '../dynamodb/table-setup.js'
import { TABLE } from '../dynamodb/table.js'
import { runWithTable } from './table-client.js'

runWithTable('db:setup', async (client, { tableName, where }) => {
  const { created, ttlEnabled } = await ensureTable(client, tableName)
  console.log(`Table ${tableName} ${created ? 'created' : 'already exists'} at ${where}; TTL on ${TABLE.ttlAttribute} ${ttlEnabled ? 'enabled' : 'already enabled'}`)
})
