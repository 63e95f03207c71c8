// The local managed login's side facing a tenant's IdP (src/local/managed-login-oidc.ts): an ID token is accepted only
// when the IdP's key signed it for this client, issuer and nonce, unexpired; the claims map by the provider's mapping.
// The IdP here is a small server of the test's (discovery, token, JWKS, userinfo) that answers what each case needs;
// the browser test (test/browser/sso-federation.test.ts) runs the whole flow against oidc-provider.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { discover, idpAuthorization, IdpError, redeem } from '../../src/local/managed-login-oidc.js'
import type { StoredProvider } from '../../src/local/identity-providers.js'

const signing = generateKeyPairSync('rsa', { modulusLength: 2048 })
const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const jwt = (claims: Record<string, unknown>, key: KeyObject = signing.privateKey, alg = 'RS256') => {
  const input = `${part({ alg, kid: 'k1' })}.${part(claims)}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`
}

interface Answer { idToken?: (nonce: string) => string, userinfo?: Record<string, unknown>, tokenStatus?: number, issuer?: string, methods?: string[] }
let answer: Answer = {}
const forms: Array<{ form: URLSearchParams, authorization: string | undefined }> = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => { body += c.toString() })
  req.on('end', () => {
    const send = (status: number, o: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o))
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, { issuer: answer.issuer ?? base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, userinfo_endpoint: `${base}/userinfo`, ...(answer.methods !== undefined ? { token_endpoint_auth_methods_supported: answer.methods } : {}) })
    }
    if (req.url === '/jwks') return send(200, { keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] })
    if (req.url === '/userinfo') return send(200, answer.userinfo ?? { sub: 'person-1', email: 'Person@Corp.example', email_verified: true })
    if (req.url === '/token') {
      const form = new URLSearchParams(body)
      forms.push({ form, authorization: req.headers.authorization })
      if (answer.tokenStatus !== undefined) return send(answer.tokenStatus, { error: 'invalid_grant' })
      return send(200, { access_token: 'at', id_token: answer.idToken?.(nonce) ?? '' })
    }
    send(404, {})
  })
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
t.teardown(() => { server.close() })
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
let nonce = ''

const provider: StoredProvider = {
  UserPoolId: 'pool',
  ProviderName: 'sso-test',
  ProviderType: 'OIDC',
  IdpIdentifiers: [],
  CreationDate: 0,
  LastModifiedDate: 0,
  ProviderDetails: { client_id: 'client-1', client_secret: 's3cret', authorize_scopes: 'openid email', oidc_issuer: base, attributes_request_method: 'GET' },
  AttributeMapping: { email: 'email', email_verified: 'email_verified' }
}
const now = () => Math.floor(Date.now() / 1000)
const good = (n: string) => ({ iss: base, aud: 'client-1', sub: 'person-1', nonce: n, exp: now() + 300, iat: now() })

/** One sign-in at the IdP: its authorization URL (our state, nonce, PKCE), then the code redeemed. */
async function signIn () {
  const doc = await discover(provider)
  const { url, request } = idpAuthorization(provider, doc, 'our-state', 'http://127.0.0.1:1/oauth2/idpresponse')
  nonce = request.nonce
  const q = new URL(url).searchParams
  return { q, redeemed: redeem(provider, doc, 'the-code', 'http://127.0.0.1:1/oauth2/idpresponse', request) }
}

t.test('a good ID token: the subject, and the claims mapped (userinfo read)', async t => {
  answer = { idToken: n => jwt(good(n)) }
  const { q, redeemed } = await signIn()
  t.match(Object.fromEntries(q), { response_type: 'code', client_id: 'client-1', scope: 'openid email', state: 'our-state', code_challenge_method: 'S256', nonce: /.{40,}/ })
  t.same(await redeemed, { subject: 'person-1', attributes: { email: 'Person@Corp.example', email_verified: 'true' } })
  const last = forms.at(-1)!
  t.equal(last.authorization, `Basic ${Buffer.from('client-1:s3cret').toString('base64')}`, 'the client secret, HTTP Basic by default')
  t.equal(last.form.get('code_verifier')?.length, 43, 'our PKCE verifier')
})

t.test('client_secret_post when that is all the IdP takes', async t => {
  answer = { idToken: n => jwt(good(n)), methods: ['client_secret_post'] }
  await (await signIn()).redeemed
  const last = forms.at(-1)!
  t.equal(last.authorization, undefined)
  t.equal(last.form.get('client_secret'), 's3cret')
})

const refusals: Array<[string, Answer, RegExp]> = [
  ['another nonce', { idToken: () => jwt(good('not-this-sign-in')) }, /nonce/],
  ['another audience', { idToken: n => jwt({ ...good(n), aud: 'someone-else' }) }, /aud/],
  ['another issuer', { idToken: n => jwt({ ...good(n), iss: 'https://elsewhere.example' }) }, /issuer/],
  ['expired', { idToken: n => jwt({ ...good(n), exp: now() - 3600 }) }, /expired/],
  ['signed by another key', { idToken: n => jwt(good(n), other.privateKey) }, /signature/],
  ['not RS256', { idToken: n => jwt(good(n), signing.privateKey, 'HS256') }, /algorithm/],
  ['no subject', { idToken: n => jwt({ ...good(n), sub: '' }) }, /subject/],
  ['userinfo about someone else', { idToken: n => jwt(good(n)), userinfo: { sub: 'person-2', email: 'x@corp.example' } }, /another subject/],
  ['the token endpoint refuses', { tokenStatus: 400 }, /answered 400.*invalid_grant/],
  ['no ID token', { idToken: () => '' }, /no ID token/]
]
for (const [name, a, message] of refusals) {
  t.test(`refused: ${name}`, async t => {
    answer = a
    await t.rejects((await signIn()).redeemed, message)
    await t.rejects((async () => { answer = a; return await (await signIn()).redeemed })(), IdpError)
  })
}

t.test('a discovery document naming another issuer is refused', async t => {
  answer = { issuer: 'https://elsewhere.example' }
  await t.rejects(discover(provider), /names the issuer/)
})
