// If-Match against a version: strong "<version>" tags only, and answers that say what is wrong with the header sent.
import t from 'tap'
import { assertIfMatch, etagOf, requireIfMatch } from '../../src/http/preconditions.js'
import { canonicalJson, idempotencyOf } from '../../src/http/idempotency.js'
import { keys } from '../../src/repositories/keys.js'

const current = { version: 2 }

t.test('the current ETag passes, alone or listed', async t => {
  t.equal(etagOf(current), '"2"')
  for (const h of ['"2"', ' "2" ', '"1", "2"', '"2",', 'W/"1", "2"', '"2", 3']) t.doesNotThrow(() => assertIfMatch(h, current), h)
})

t.test('missing, *, unquoted, weak and stale', async t => {
  t.throws(() => requireIfMatch(undefined), { statusCode: 428, message: 'If-Match header is required' })
  t.equal(requireIfMatch('"2"'), '"2"')
  t.throws(() => assertIfMatch(undefined, current), { statusCode: 428, message: 'If-Match header is required' })
  t.throws(() => assertIfMatch('*', current), { statusCode: 428, code: 'APP_PRECONDITION_REQUIRED', message: 'If-Match: * is not accepted; send the ETag of the version you change' })
  t.throws(() => assertIfMatch('2', current), { statusCode: 400, message: 'ETags are quoted: send If-Match: "2"' })
  t.throws(() => assertIfMatch('"1", 3', current), { statusCode: 400, message: 'ETags are quoted: send If-Match: "3"' })
  t.throws(() => assertIfMatch('"2', current), { statusCode: 400, message: 'If-Match must list quoted ETags, such as "1"' })
  t.throws(() => assertIfMatch('W/"2"', current), { statusCode: 412, message: 'The resource has changed; fetch it again' })
  t.throws(() => assertIfMatch('"1"', current), { statusCode: 412, message: 'The resource has changed; fetch it again' })
  t.throws(() => assertIfMatch('', current), { statusCode: 412, message: 'The resource has changed; fetch it again' })
})

t.test('the request hash ignores key order', async t => {
  t.equal(canonicalJson({ b: [1, { d: 1, c: null }], a: 'x' }), '{"a":"x","b":[1,{"c":null,"d":1}]}')
  t.same(idempotencyOf('k', { a: 1, b: 2 }), idempotencyOf('k', { b: 2, a: 1 }))
  t.not(idempotencyOf('k', { a: 1 })?.requestHash, idempotencyOf('k', { a: 2 })?.requestHash)
  t.equal(idempotencyOf(undefined, { a: 1 }), undefined)
})

t.test('keys.item: the same order keys as before; no kind can reach the layout\'s own items', async t => {
  t.same(keys.item('t1', 'ORDER', 'o1'), { PK: 'TENANT#t1', SK: 'ORDER#o1' })
  t.equal(keys.itemIdOf('t1', 'ORDER', { PK: 'TENANT#t1', SK: 'ORDER#o1' }), 'o1')
  t.throws(() => keys.itemIdOf('t1', 'ORDER', { PK: 'TENANT#t2', SK: 'ORDER#o1' }), { statusCode: 400, message: 'Invalid order key' })
  t.throws(() => keys.itemIdOf('t1', 'PROJECT', { PK: 'TENANT#t1', SK: 'ORDER#o1' }), { statusCode: 400, message: 'Invalid project key' })
  t.throws(() => keys.item('t1', 'ORDER', 'a#b'), { statusCode: 400, message: 'Invalid orderId' })
  for (const kind of ['USER', 'AUDIT', 'IDEMPOTENCY', 'TENANT', 'order', 'A#B', '']) t.throws(() => keys.item('t1', kind, 'x'), /Not a resource kind/, kind)
})
