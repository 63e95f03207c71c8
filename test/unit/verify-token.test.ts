import t from 'tap'
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { checkLifetime, createSignatureVerifier, decodeToken, signingKeyId, TokenRejectedError } from '../../src/auth/verify-token.js'
import { signJwt, testKey } from '../helpers/issuer.js'

const rejection = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    if (err instanceof TokenRejectedError) return err.reason
    throw err
  }
  return 'accepted'
}

t.test('decodeToken: three strict base64url segments, header and payload JSON objects', async t => {
  const key = testKey(0)
  const token = signJwt({ alg: 'RS256', kid: key.kid }, { sub: 'a' }, key.privateKey)
  const [h, p, s] = token.split('.') as [string, string, string]
  const decoded = decodeToken(token)
  t.same(decoded.header, { alg: 'RS256', kid: key.kid })
  t.same(decoded.payload, { sub: 'a' })
  t.equal(decoded.input, `${h}.${p}`)
  t.equal(decoded.signature, s)
  const bad = {
    'two parts': `${h}.${p}`,
    'five parts': `${h}.${p}.${s}.${p}.${s}`,
    'base64 padding': `${h}.${p}=.${s}`,
    'standard base64 alphabet': `${h}.${p}+/.${s}`,
    whitespace: `${h}.${p} .${s}`,
    'payload an array': `${h}.${Buffer.from('[1]').toString('base64url')}.${s}`,
    'payload a number': `${h}.${Buffer.from('1').toString('base64url')}.${s}`,
    'payload null': `${h}.${Buffer.from('null').toString('base64url')}.${s}`,
    'header an array': `${Buffer.from('[]').toString('base64url')}.${p}.${s}`,
    'header not JSON': `${Buffer.from('{').toString('base64url')}.${p}.${s}`,
    empty: ''
  }
  for (const [name, value] of Object.entries(bad)) t.equal(rejection(() => decodeToken(value)), 'malformed', name)
})

t.test('signingKeyId: RS256 with a kid, and no crit extension', async t => {
  t.equal(signingKeyId({ alg: 'RS256', kid: 'k1' }), 'k1')
  t.equal(signingKeyId({ alg: 'RS256', kid: 'k1', typ: 'JWT', jku: 'https://attacker.example/jwks' }), 'k1', 'jku is never read')
  for (const alg of ['none', 'HS256', 'RS384', 'RS512', 'PS256', 'ES256', 'rs256', undefined, ['RS256']]) {
    t.equal(rejection(() => signingKeyId({ alg, kid: 'k1' })), 'header', `alg ${JSON.stringify(alg)}`)
  }
  for (const kid of [undefined, '', 7, 'k'.repeat(257), ['k1']]) {
    t.equal(rejection(() => signingKeyId({ alg: 'RS256', kid })), 'header', `kid ${JSON.stringify(kid)?.slice(0, 20)}`)
  }
  t.equal(signingKeyId({ alg: 'RS256', kid: 'k'.repeat(256) }).length, 256)
  for (const crit of [['exp'], [], 'b64']) {
    t.equal(rejection(() => signingKeyId({ alg: 'RS256', kid: 'k1', crit })), 'header', `crit ${JSON.stringify(crit)}`)
  }
})

t.test('checkLifetime: exp required, nbf when present, both with the tolerance, boundaries included', async t => {
  const now = 1_700_000_000_000
  const s = now / 1000
  const tol = 5000
  t.equal(rejection(() => checkLifetime({ exp: s + 60 }, now, tol)), 'accepted')
  t.equal(rejection(() => checkLifetime({ exp: s - 5 }, now, tol)), 'accepted', 'exp + tolerance == now is still valid')
  t.equal(rejection(() => checkLifetime({ exp: s - 5.001 }, now, tol)), 'expired', 'one millisecond later is not')
  t.equal(rejection(() => checkLifetime({ exp: s - 60 }, now, 0)), 'expired')
  t.equal(rejection(() => checkLifetime({ exp: s + 60, nbf: s + 5 }, now, tol)), 'accepted', 'nbf - tolerance == now is valid')
  t.equal(rejection(() => checkLifetime({ exp: s + 60, nbf: s + 5.001 }, now, tol)), 'not-yet-valid')
  t.equal(rejection(() => checkLifetime({ exp: s + 60, nbf: s + 1 }, now, 0)), 'not-yet-valid')
  for (const exp of [undefined, null, '9999999999', NaN, Infinity, [s + 60]]) {
    t.equal(rejection(() => checkLifetime({ exp }, now, tol)), 'malformed', `exp ${String(exp)}`)
  }
  for (const nbf of [null, '0', NaN, {}]) {
    t.equal(rejection(() => checkLifetime({ exp: s + 60, nbf }, now, tol)), 'malformed', `nbf ${String(nbf)}`)
  }
})

t.test('signature checks on the threadpool: exact, bounded, and never a rejection', async t => {
  const key = testKey(0)
  const other = testKey(1)
  const verifier = createSignatureVerifier(4)
  const sign = (payload: unknown, k = key) => decodeToken(signJwt({ alg: 'RS256', kid: key.kid }, payload, k.privateKey))
  const good = sign({ sub: 'a' })
  t.equal(await verifier.verify(good.input, good.signature, key.publicKey), true)
  const forged = sign({ sub: 'b' })
  t.equal(await verifier.verify(good.input, forged.signature, key.publicKey), false, 'another token\'s signature')
  t.equal(await verifier.verify(`${good.input}x`, good.signature, key.publicKey), false, 'one more byte of input')
  t.equal(await verifier.verify(good.input, sign({ sub: 'a' }, other).signature, key.publicKey), false, 'signed by another key')
  t.equal(await verifier.verify(good.input, '', key.publicKey), false, 'no signature')
  t.equal(await verifier.verify(good.input, good.signature.slice(0, -4), key.publicKey), false, 'a truncated signature')
  // Keys crypto cannot use with RSA-SHA256: false, never a rejection, on the threadpool and inline, and nothing left pending.
  const unusable = {
    'an EC key': generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    'an Ed25519 key (an error in the callback)': generateKeyPairSync('ed25519').publicKey,
    'a secret key (a synchronous throw)': createSecretKey(Buffer.alloc(32, 1))
  }
  const inline = createSignatureVerifier(0)
  for (const [name, wrong] of Object.entries(unusable)) {
    for (const [where, v] of [['threadpool', verifier], ['inline', inline]] as const) {
      t.equal(await v.verify(good.input, good.signature, wrong), false, `${name}, ${where}`)
      t.equal(v.pending, 0, `${name}, ${where}: nothing pending`)
    }
  }
  t.equal(await inline.verify(good.input, good.signature, key.publicKey), true, 'inline, a valid signature')

  // Many at once: at most 4 wait on the threadpool, the rest run on the event loop, and every answer is still right.
  const tokens = Array.from({ length: 40 }, (_, i) => sign({ sub: `u${i}` }))
  let maxPending = 0
  const results = await Promise.all(tokens.map((tok, i) => {
    const answer = verifier.verify(tok.input, i % 3 === 0 ? tokens[(i + 1) % 40]!.signature : tok.signature, key.publicKey)
    maxPending = Math.max(maxPending, verifier.pending)
    return answer
  }))
  t.equal(maxPending, 4, 'the threadpool queue is bounded')
  t.same(results, tokens.map((_, i) => i % 3 !== 0))
  t.equal(verifier.pending, 0)
})

t.test('decodeToken: only the canonical base64url of each segment (no spare bits set in the last character)', async t => {
  const key = testKey(0)
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  /** The same bytes, written with the last character's spare bits set: Buffer.from(..., 'base64url') cannot tell. */
  const sibling = (segment: string) => {
    const spare = segment.length % 4 === 2 ? 0x0f : 0x03
    const last = B64URL.indexOf(segment.at(-1) as string)
    const other = segment.slice(0, -1) + (B64URL[last | spare] as string)
    t.same(Buffer.from(other, 'base64url'), Buffer.from(segment, 'base64url'), 'decodes to the same bytes')
    return other
  }
  // Claims chosen so that every segment's length is 2 or 3 mod 4 (RS256-2048 signatures are 342 chars, 2 mod 4).
  let token = ''
  for (let i = 0; ; i++) {
    token = signJwt({ alg: 'RS256', kid: key.kid, x: 'a'.repeat(i % 3) }, { sub: 'a'.repeat(1 + Math.floor(i / 3)) }, key.privateKey)
    if (token.split('.').every(s => s.length % 4 > 1)) break
  }
  const [h, p, s] = token.split('.') as [string, string, string]
  t.equal(rejection(() => decodeToken(token)), 'accepted')
  t.equal(rejection(() => decodeToken(`${sibling(h)}.${p}.${s}`)), 'malformed', 'header')
  t.equal(rejection(() => decodeToken(`${h}.${sibling(p)}.${s}`)), 'malformed', 'payload')
  t.equal(rejection(() => decodeToken(`${h}.${p}.${sibling(s)}`)), 'malformed', 'signature')
  t.equal(rejection(() => decodeToken(`${h}.${p}.${s}AAA`)), 'malformed', 'a length of 1 mod 4 holds no whole byte')
})
