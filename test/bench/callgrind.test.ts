// The instructions mode (npm run bench:instructions) counts exactly the requests between its zero and its dump, on
// connections opened once. valgrind itself is Linux-only and not needed here: a counter that counts the requests the
// server saw stands in for callgrind's, so the window's edges are checked to the request.
import t, { type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dumpTotal, type Counter } from '../../bench/callgrind.js'
import { countInstructions } from '../../bench/lib.js'

t.test('dumpTotal reads callgrind\'s totals line', async t => {
  // callgrind 3.19 writes both, and they differ slightly (573,576,033 and 581,300,848 in one dump): the header's counts.
  t.equal(dumpTotal('version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 628792012\n\nfl=(1) x\nfn=(1)\n0 5\n\ntotals: 628799999\n'), 628792012)
  t.equal(dumpTotal('events: Ir\ntotals: 1234\n'), 1234)
  t.throws(() => dumpTotal('events: Ir\n'), /no totals line/, 'not a dump: an error, not a zero')
})

/** A server that counts what it answers and on how many connections, with a counter worth 1,000 "instructions" a request. */
async function countingServer (t: Test, status = 200) {
  let answered = 0
  let inFlight = 0
  let inFlightAtCommand = 0
  const sockets = new Set<unknown>()
  const server = createServer((req: IncomingMessage, res) => {
    sockets.add(req.socket)
    inFlight++
    // Answer on a later turn, so requests overlap as they do on a loaded server.
    setImmediate(() => { inFlight--; answered++; res.statusCode = status; res.end('{}') })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  let zeroAt = 0
  const counter: Counter = {
    zero: async () => { inFlightAtCommand += inFlight; zeroAt = answered },
    dump: async () => { inFlightAtCommand += inFlight; return (answered - zeroAt) * 1000 }
  }
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { origin, counter, sockets, inFlightAtCommand: () => inFlightAtCommand }
}

t.test('the count holds exactly the requests after the warm-up, on the warm-up\'s connections', async t => {
  const server = await countingServer(t)
  const perRequest = await countInstructions({ label: 'counting', urls: [`${server.origin}/me`] }, { connections: 5, round: 0, warmup: 300, requests: 200 }, o => o === server.origin ? server.counter : undefined)
  t.equal(perRequest, 1000, 'no warm-up request leaks into the count, and none of the counted ones is missed')
  t.equal(server.inFlightAtCommand(), 0, 'nothing was in flight when the count was zeroed or read')
  t.equal(server.sockets.size, 5, 'five connections, opened once for warm-up and count alike')
})

t.test('per-request headers are sent on every request', async t => {
  const seen: string[] = []
  const server = createServer((req, res) => { seen.push(String(req.headers.authorization)); res.end() })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let i = 0
  const counter: Counter = { zero: async () => {}, dump: async () => 0 }
  await countInstructions({ label: 'rotating', urls: [`${origin}/`], nextHeaders: () => ({ authorization: `Bearer ${i++}` }) }, { connections: 2, round: 0, warmup: 3, requests: 3 }, () => counter)
  t.same(seen.sort(), ['Bearer 0', 'Bearer 1', 'Bearer 2', 'Bearer 3', 'Bearer 4', 'Bearer 5'], 'each request its own headers, as in the throughput runs')
})

t.test('a count fails rather than report a wrong number', async t => {
  const refusing = await countingServer(t, 404)
  await t.rejects(countInstructions({ label: 'refusing', urls: [`${refusing.origin}/nowhere`] }, { connections: 2, round: 0, warmup: 10, requests: 10 }, () => refusing.counter), /answered 404/, 'a non-2xx fails the count')
  await t.rejects(countInstructions({ label: 'outside', urls: [`${refusing.origin}/`] }, { connections: 2, round: 0, warmup: 10, requests: 10 }), /not started under callgrind/, 'a server the bench did not start under callgrind has no count')
})
