// The shim in front of cognito-local refuses what Cognito refuses: a disabled user's sign-in on every flow, a wrong
// temporary password, a new-password answer without the session the right one earned. It knows the temporary
// passwords because it sets them itself; a resend issues a new one. It accepts what Cognito accepts: the refresh token of
// a new-password answer. And it forwards any other method and path as is.
// Against the real emulator (test/helpers/local-services.ts), the shim keeping its state in memory.
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminInitiateAuthCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type CognitoIdentityProviderClient
} from '@aws-sdk/client-cognito-identity-provider'
import t from 'tap'
import { localCognitoClient } from '../../src/local/clients.js'
import { startCognitoShim, type ShimMessage } from '../../src/local/cognito-shim.js'
import { startServices } from '../helpers/local-services.js'

t.setTimeout(120_000)

const services = await startServices(t)
const messages: ShimMessage[] = []
const shim = await startCognitoShim(services.cognitoEndpoint, { onMessage: m => { messages.push(m) } })
t.teardown(shim.close)
const cognito: CognitoIdentityProviderClient = localCognitoClient(shim.endpoint)
t.teardown(() => cognito.destroy())
const { userPoolId, clientId } = services

async function invite (email: string): Promise<{ username: string, temporaryPassword: string }> {
  // As the API invites (src/cognito/user-pool.ts): no TemporaryPassword, Cognito makes one up and emails it.
  const { User } = await cognito.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: email, UserAttributes: [{ Name: 'email', Value: email }], DesiredDeliveryMediums: ['EMAIL'] }))
  const message = messages.findLast(m => m.email === email)
  if (User?.Username === undefined || message === undefined) throw new Error(`no user or no message for ${email}`)
  return { username: User.Username, temporaryPassword: message.temporaryPassword }
}

const passwordAuth = (email: string, password: string) =>
  cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }))

const incorrect = { name: 'NotAuthorizedException', message: 'Incorrect username or password.' }
const disabled = { name: 'NotAuthorizedException', message: 'User is disabled.' }

t.test('an invitee: the generated temporary password meets the default policy, a wrong one is refused, the right one gets the challenge', async t => {
  const { temporaryPassword } = await invite('carol@example.test')
  t.ok(temporaryPassword.length >= 8 && /[a-z]/.test(temporaryPassword) && /[A-Z]/.test(temporaryPassword) && /\d/.test(temporaryPassword) && /[^A-Za-z0-9]/.test(temporaryPassword),
    'lower, upper, digit and symbol, at least 8 long (Cognito\'s default policy)')
  await t.rejects(passwordAuth('carol@example.test', 'not-the-password'), incorrect, 'a wrong temporary password')
  await t.rejects(passwordAuth('carol@example.test', ''), incorrect, 'an empty one')

  const challenge = await passwordAuth('carol@example.test', temporaryPassword)
  t.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED')
  const answer = (session: string) => cognito.send(new RespondToAuthChallengeCommand({
    ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: session, ChallengeResponses: { USERNAME: 'carol@example.test', NEW_PASSWORD: 'Carol-Passw0rd!' }
  }))
  await t.rejects(answer('made-up-session'), { name: 'NotAuthorizedException', message: 'Invalid session for the user.' }, 'a session the shim never issued')
  const done = await answer(challenge.Session ?? '')
  t.ok(done.AuthenticationResult?.AccessToken, 'the earned session sets the password')
  // cognito-local forgets the refresh token of a challenge's answer; Cognito keeps it (the console's session needs it).
  const renewed = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: done.AuthenticationResult?.RefreshToken ?? '' } }))
  t.ok(renewed.AuthenticationResult?.AccessToken, 'the answer\'s refresh token renews')
  await t.rejects(answer(challenge.Session ?? ''), { name: 'NotAuthorizedException' }, 'a session answers once')
  t.ok((await passwordAuth('carol@example.test', 'Carol-Passw0rd!')).AuthenticationResult?.AccessToken, 'the chosen password signs in')
  await t.rejects(passwordAuth('carol@example.test', temporaryPassword), incorrect, 'the temporary password no longer does')
})

t.test('a resend issues a new temporary password: the old one is refused, the new one gets the challenge', async t => {
  const { username, temporaryPassword: first } = await invite('dave@example.test')
  const resent = await cognito.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] }))
  t.equal(resent.User?.Username, username, 'RESEND answers the existing user')
  const second = messages.findLast(m => m.email === 'dave@example.test')
  t.match(second, { reason: 'resend' })
  t.not(second?.temporaryPassword, first, 'a new password')
  await t.rejects(passwordAuth('dave@example.test', first), incorrect, 'the first one is void')
  t.equal((await passwordAuth('dave@example.test', second?.temporaryPassword ?? '')).ChallengeName, 'NEW_PASSWORD_REQUIRED')
})

t.test('a disabled user is refused on every sign-in flow, as Cognito answers', async t => {
  await services.createUser({ email: 'erin@example.test', password: 'Erin-Passw0rd!', groups: [] })
  const { AuthenticationResult: tokens } = await passwordAuth('erin@example.test', 'Erin-Passw0rd!')
  t.ok(tokens?.RefreshToken, 'control: signs in while enabled')
  await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: 'erin@example.test' }))

  await t.rejects(passwordAuth('erin@example.test', 'Erin-Passw0rd!'), disabled, 'USER_PASSWORD_AUTH')
  await t.rejects(cognito.send(new AdminInitiateAuthCommand({ UserPoolId: userPoolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin@example.test', PASSWORD: 'Erin-Passw0rd!' } })), disabled, 'ADMIN_USER_PASSWORD_AUTH')
  await t.rejects(cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens?.RefreshToken ?? '' } })), disabled, 'REFRESH_TOKEN_AUTH')

  const { temporaryPassword } = await invite('frank@example.test')
  const challenge = await passwordAuth('frank@example.test', temporaryPassword)
  await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: 'frank@example.test' }))
  await t.rejects(passwordAuth('frank@example.test', temporaryPassword), disabled, 'an invitee disabled')
  await t.rejects(cognito.send(new RespondToAuthChallengeCommand({
    ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: 'frank@example.test', NEW_PASSWORD: 'Frank-Passw0rd!' }
  })), disabled, 'RespondToAuthChallenge for a user disabled after the challenge')
})

t.test('other methods and paths are forwarded as they are: JWKS, CORS preflight', async t => {
  const jwks = await fetch(`${shim.endpoint}/${userPoolId}/.well-known/jwks.json`)
  t.equal(jwks.status, 200)
  t.match(await jwks.json(), { keys: [{ kid: 'CognitoLocal' }] })
  const preflight = await fetch(`${shim.endpoint}/`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:3001', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target' } })
  t.ok(preflight.status < 300, `preflight ${preflight.status}`)
  t.equal(preflight.headers.get('access-control-allow-origin'), '*')
  const refused = await fetch(`${shim.endpoint}/`, {
    method: 'POST',
    headers: { origin: 'http://127.0.0.1:3001', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: 'erin@example.test', PASSWORD: 'Erin-Passw0rd!' } })
  })
  t.equal(refused.status, 400)
  t.equal(refused.headers.get('access-control-allow-origin'), '*', 'a refusal the browser can read')
})
