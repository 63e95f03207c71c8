// One rule for email addresses, read the same way by the route schema and by normalizeEmail/isEmail (claim keys, users:import).
import t from 'tap'
import { Type } from 'typebox'
import { Email } from '../../src/http/schemas.js'
import { isEmail, keys, normalizeEmail } from '../../src/repositories/keys.js'
import { build } from '../helpers/build.js'

const refused: Array<[string, string]> = [
  ['ESC (a terminal escape)', 'a\u001b[31m@example.com'],
  ['NUL', 'a\u0000b@example.com'],
  ['DEL', 'a\u007fb@example.com'],
  ['a bidi override (U+202E)', 'moc.elpmaxe\u202e@example.com'],
  ['a bidi isolate (U+2066)', 'a\u2066b@example.com'],
  ['markup', '<script>@example.com'],
  ['markup in the domain', 'a@<script>.example.com'],
  ['a trailing dot on the domain', 'member@demo.local.'],
  ['a leading dot in the local part', '.a@example.com'],
  ['two dots in a row', 'a..b@example.com'],
  ['a domain label starting with a hyphen', 'a@-x.example.com'],
  ['a single-label domain', 'a@localhost'],
  ['a non-ASCII local part', 'jürgen@example.com'],
  ['a look-alike letter (Cyrillic а)', '\u0430dmin@example.com'],
  ['the Kelvin sign, which toLowerCase() makes a "k"', '\u212Aate@example.com'],
  ['a non-ASCII domain (use its xn-- form)', 'a@bücher.example'],
  ['a no-break space', '\u00a0a@example.com'],
  ['a zero-width space', 'a\u200b@example.com'],
  ['#, the key separator', 'a#b@example.com'],
  ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`]
]
const accepted = ['member@demo.local', 'first.last+tag@example.co.uk', "o'brien@example.com", 'a@xn--bcher-kva.example', 'x_y-z@sub-1.example.org']

t.test('isEmail(normalizeEmail(x)) refuses each case, and the claim key refuses it too', async t => {
  for (const [what, email] of refused) {
    t.notOk(isEmail(normalizeEmail(email)), `refused: ${what}`)
    t.throws(() => keys.emailClaim(email), { name: 'FastifyError' }, `no claim key: ${what}`)
  }
  for (const email of accepted) t.ok(isEmail(normalizeEmail(email)), `accepted: ${email}`)
})

t.test('one normal form: case and surrounding blanks only, ASCII only', async t => {
  t.equal(normalizeEmail('  Member@Demo.LOCAL\t'), 'member@demo.local')
  t.equal(keys.emailClaim('Member@Demo.Local').PK, keys.emailClaim('member@demo.local').PK)
  t.equal(normalizeEmail('\u212Aate@example.com'), '\u212Aate@example.com', 'a non-ASCII letter is not folded into an ASCII one')
  t.equal(normalizeEmail('\u00a0a@example.com'), '\u00a0a@example.com', 'a non-ASCII blank is not trimmed into an accepted address')
})

t.test('the route schema refuses each case with 400 problem+json, and accepts the rest', async t => {
  const app = await build(t, {}, {}, app => {
    app.post('/email-probe', { config: { auth: 'public' }, schema: { body: Type.Object({ email: Email }, { additionalProperties: false }) } }, async () => ({ ok: true }))
  })
  for (const [what, email] of refused) {
    const res = await app.inject({ method: 'POST', url: '/email-probe', payload: { email } })
    t.equal(res.statusCode, 400, `400: ${what}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  for (const email of accepted) t.equal((await app.inject({ method: 'POST', url: '/email-probe', payload: { email } })).statusCode, 200, `200: ${email}`)
  // Upper case passes the schema and is then normalized: the same key as the lower-case spelling.
  t.equal((await app.inject({ method: 'POST', url: '/email-probe', payload: { email: 'Member@Demo.Local' } })).statusCode, 200)
})
