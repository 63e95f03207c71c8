import t from 'tap'
import { clientKeyOf, createFailureLimiter } from '../../src/auth/failure-limiter.js'

t.test('a client over its failure budget waits until its window ends', async t => {
  let now = 1_000_000
  const limiter = createFailureLimiter({ max: 3, windowMs: 10_000, now: () => now })
  for (let i = 0; i < 3; i++) {
    t.equal(limiter.retryAfter('192.0.2.1'), 0)
    limiter.fail('192.0.2.1')
  }
  t.equal(limiter.retryAfter('192.0.2.1'), 10)
  t.equal(limiter.retryAfter('192.0.2.2'), 0, 'per address')
  now += 9_001
  t.equal(limiter.retryAfter('192.0.2.1'), 1)
  now += 1_000
  t.equal(limiter.retryAfter('192.0.2.1'), 0, 'a new window')
  limiter.fail('192.0.2.1')
  t.equal(limiter.retryAfter('192.0.2.1'), 0, 'counting starts again')
})

t.test('memory stays bounded', async t => {
  const limiter = createFailureLimiter({ max: 1, windowMs: 1000, maxClients: 100 })
  for (let i = 0; i < 1000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`)
  t.equal(limiter.size, 100)
})

t.test('IPv6 addresses count per /64; IPv4-mapped ones as IPv4', async t => {
  t.equal(clientKeyOf('192.0.2.1'), '192.0.2.1')
  t.equal(clientKeyOf('::ffff:192.0.2.1'), '192.0.2.1')
  const key = clientKeyOf('2001:db8:1:2:aaaa::1')
  t.equal(key, '2001:db8:1:2::/64')
  t.equal(clientKeyOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), key)
  t.equal(clientKeyOf('2001:db8:1:2::'), key)
  t.equal(clientKeyOf('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(clientKeyOf('::1'), '0:0:0:0::/64')
  t.not(clientKeyOf('2001:db8:1:3::1'), key)
  const limiter = createFailureLimiter({ max: 2, windowMs: 1000 })
  limiter.fail('2001:db8:1:2::1')
  limiter.fail('2001:db8:1:2::2')
  t.ok(limiter.retryAfter('2001:db8:1:2::3') > 0, 'a neighbour in the same /64 is refused too')
})
