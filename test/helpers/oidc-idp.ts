// A customer's OpenID provider for the federation tests: oidc-provider (a certified OpenID Provider) on a free loopback
// port, with its development login and consent pages (any login, any password). Each login is a person the test names:
// the login is the subject (sub), the claims are the email and email_verified the test gave it.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import type { Test } from 'tap'

export interface TestIdp {
  issuer: string
  clientId: string
  clientSecret: string
  /** A person who can sign in at the IdP as `login`, asserting `email` (verified unless told). */
  person: (login: string, email: string, emailVerified?: boolean) => void
}

export async function startTestIdp (t: Test, redirectUri: string): Promise<TestIdp> {
  const people = new Map<string, { email: string, emailVerified: boolean }>()
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clientId = 'console-sso'
  const clientSecret = 'a-client-secret-of-at-least-32-characters'
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) => {
      const person = people.get(sub)
      if (person === undefined) return undefined
      return { accountId: sub, claims: async () => ({ sub, email: person.email, email_verified: person.emailVerified }) }
    }
  })
  // Quiet: the development pages warn that they are for development (they are, here).
  provider.on('server_error', () => {})
  server.on('request', provider.callback())
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { issuer, clientId, clientSecret, person: (login, email, emailVerified = true) => { people.set(login, { email, emailVerified }) } }
}
