import t from 'tap'
import { createServer } from 'node:http'
import { generateKeyPairSync } from 'node:crypto'
import { createKeyStore, jwksUriOf } from '../../src/auth/jwks.js'
import { startIssuer, testKey } from '../helpers/issuer.js'

t.test('keys are fetched once, shared by concurrent callers and reused', async t => {
  const issuer = await startIssuer()
  t.teardown(() => issuer.close())
  const store = createKeyStore({ issuers: [issuer.issuer], timeoutMs: 1000, refetchIntervalMs: 10_000 })
  const keys = await Promise.all(Array.from({ length: 20 }, () => store.get(issuer.issuer, issuer.key.kid)))
  t.ok(keys.every(k => k === keys[0]), 'one imported key object per kid')
  t.equal(keys[0]?.key.asymmetricKeyType, 'rsa', 'imported as an RSA public key')
  t.equal(keys[0]?.key.type, 'public')
  t.equal(issuer.requests, 1)
  t.equal(store.peek(issuer.issuer, issuer.key.kid), keys[0])
  t.equal(store.fetchCount(), 1)
  t.equal(jwksUriOf('https://x.example/pool/'), 'https://x.example/pool/.well-known/jwks.json')
})

t.test('refetch limiter, rotation and revocation, with a fake clock', async t => {
  const issuer = await startIssuer()
  t.teardown(() => issuer.close())
  let now = 1_000_000
  const store = createKeyStore({ issuers: [issuer.issuer], timeoutMs: 1000, refetchIntervalMs: 10_000, now: () => now })
  const first = await store.get(issuer.issuer, issuer.key.kid)
  // A new key appears: the first unknown kid refetches at once.
  issuer.served = [testKey(0), testKey(1)]
  t.ok(await store.get(issuer.issuer, testKey(1).kid))
  t.equal(issuer.requests, 2)
  // Unknown kids inside the interval: no fetch.
  await t.rejects(store.get(issuer.issuer, 'nope'), { name: 'SigningKeyError', reason: 'unknown-kid' })
  now += 9_999
  await t.rejects(store.get(issuer.issuer, 'nope'), { name: 'SigningKeyError', reason: 'unknown-kid' })
  t.equal(issuer.requests, 2)
  // After the interval, one more; key 0 is gone from the JWKS now: revoked.
  issuer.served = [testKey(1)]
  now += 1
  await t.rejects(store.get(issuer.issuer, 'nope'), { name: 'SigningKeyError', reason: 'unknown-kid' })
  t.equal(issuer.requests, 3)
  t.equal(first.active, false, 'a key dropped from the JWKS is marked inactive (cached tokens signed with it stop working)')
  t.equal(store.peek(issuer.issuer, testKey(0).kid), undefined)
  // A failed refetch keeps the keys we have.
  issuer.mode = 'down'
  now += 10_000
  await t.rejects(store.get(issuer.issuer, 'other'), { name: 'SigningKeyError', reason: 'unknown-kid' })
  t.equal(issuer.requests, 4)
  t.ok(await store.get(issuer.issuer, testKey(1).kid))
  await t.rejects(store.get('https://elsewhere.example/pool', 'k'), { name: 'SigningKeyError', reason: 'unknown-issuer' })
})

t.test('cold issuer: failures are "unavailable", retried after coldRetryMs', async t => {
  const issuer = await startIssuer()
  t.teardown(() => issuer.close())
  issuer.mode = 'down'
  let now = 0
  const store = createKeyStore({ issuers: [issuer.issuer], timeoutMs: 1000, refetchIntervalMs: 10_000, coldRetryMs: 1000, now: () => now })
  await t.rejects(store.get(issuer.issuer, issuer.key.kid), { name: 'SigningKeyError', reason: 'unavailable' })
  await t.rejects(store.ready(), { name: 'SigningKeyError', reason: 'unavailable' })
  t.equal(issuer.requests, 1, 'no second attempt within coldRetryMs')
  issuer.mode = 'up'
  now += 1000
  await t.resolves(store.ready())
  t.equal(issuer.requests, 2)
})

t.test('the timeout really fires: a server that accepts and never answers', async t => {
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer(() => { /* never answers */ })
  server.on('connection', s => sockets.add(s))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}/pool`
  const errors: unknown[] = []
  const store = createKeyStore({ issuers: [issuer], timeoutMs: 200, refetchIntervalMs: 10_000, onFetchError: err => errors.push(err) })
  const started = Date.now()
  await t.rejects(store.get(issuer, 'k'), { name: 'SigningKeyError', reason: 'unavailable' })
  const took = Date.now() - started
  t.ok(took >= 190 && took < 700, `failed after ${took} ms`)
  t.match(String(errors[0]), /timed out after 200 ms/)
})

t.test('the timeout covers a body that trickles', async t => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"keys":[')
    const timer = setInterval(() => res.write(' '), 50)
    res.on('close', () => clearInterval(timer))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}/pool`
  const started = Date.now()
  const store = createKeyStore({ issuers: [issuer], timeoutMs: 300, refetchIntervalMs: 10_000 })
  await t.rejects(store.ready())
  t.ok(Date.now() - started < 1000)
})

t.test('only usable RS256 signing keys are imported', async t => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
  const good = testKey(0).publicKey.export({ format: 'jwk' })
  const body = {
    keys: [
      { ...weak, kid: 'weak' }, { ...ec, kid: 'ec' }, { ...good, kid: 'enc', use: 'enc' }, { ...good, kid: 'rs512', alg: 'RS512' },
      { ...good }, { ...good, kid: 'bad', n: 'AAAA' }, null, { ...good, kid: 'ok', alg: 'RS256', use: 'sig' }
    ]
  }
  const fakeFetch = (async () => new Response(JSON.stringify(body), { status: 200 })) as typeof fetch
  const store = createKeyStore({ issuers: ['https://x.example/p'], timeoutMs: 100, refetchIntervalMs: 10_000, fetch: fakeFetch })
  t.ok(await store.get('https://x.example/p', 'ok'))
  for (const kid of ['weak', 'ec', 'enc', 'rs512', 'bad']) t.equal(store.peek('https://x.example/p', kid), undefined, kid)

  const oversized = (async () => new Response(JSON.stringify({ keys: [], pad: 'x'.repeat(300_000) }), { status: 200 })) as typeof fetch
  const big = createKeyStore({ issuers: ['https://x.example/p'], timeoutMs: 100, refetchIntervalMs: 10_000, fetch: oversized })
  await t.rejects(big.ready())
  const empty = createKeyStore({ issuers: ['https://x.example/p'], timeoutMs: 100, refetchIntervalMs: 10_000, fetch: (async () => new Response('{"keys":[]}')) as typeof fetch })
  await t.rejects(empty.ready())
  const redirect = createKeyStore({ issuers: ['https://x.example/p'], timeoutMs: 100, refetchIntervalMs: 10_000, fetch: (async () => new Response('', { status: 302 })) as typeof fetch })
  await t.rejects(redirect.ready())
})
