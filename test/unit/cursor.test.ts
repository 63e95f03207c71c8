// Cursors are opaque, and a decoded one is only accepted inside the partition and prefix the query may read.
import t from 'tap'
import { decodeTenantCursor, encodeCursor } from '../../src/repositories/cursor.js'
import { mintTenantScope } from '../../src/domain/tenant-scope.js'

// What every tenant list checks: tenant a's partition, under USER#.
const decode = (c: string | undefined) => decodeTenantCursor(c, mintTenantScope('a'), 'USER#')

t.test('round trip', async t => {
  const c = encodeCursor({ PK: 'TENANT#a', SK: 'USER#u1' }) as string
  t.same(decode(c), { PK: 'TENANT#a', SK: 'USER#u1' })
  t.equal(encodeCursor(undefined), null)
  t.equal(decode(undefined), undefined)
})

t.test('foreign, forged and malformed cursors are 400', async t => {
  const bad = [
    encodeCursor({ PK: 'TENANT#b', SK: 'USER#u1' }),
    encodeCursor({ PK: 'TENANT#a', SK: 'ORDER#o1' }),
    encodeCursor({ PK: 'TENANT#a', SK: 'USER#u1', extra: 'x' }),
    encodeCursor({ PK: 'TENANT#a', SK: 5 }),
    // In the partition and prefix, but not a key DynamoDB could hold: over 1024 bytes (not characters), or a lone surrogate.
    encodeCursor({ PK: 'TENANT#a', SK: `USER#${'é'.repeat(600)}` }),
    encodeCursor({ PK: 'TENANT#a', SK: 'USER#\ud800' }),
    Buffer.from('[1,2]').toString('base64url'),
    'not base64 json!'
  ]
  for (const c of bad) t.throws(() => decode(c as string), { statusCode: 400, message: 'Invalid cursor' })
})
