// Integration stack for user management: cognito-local (behind the shim) and DynamoDB Local, apps built on them, Cognito call recording.
import { randomUUID } from 'node:crypto'
import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider'
import type { Test } from 'tap'
import type { AppOptions } from '../../src/app.js'
import { RATE_LIMIT_MIDDLEWARE, type UserPoolClient } from '../../src/cognito/user-pool.js'
import { startServices, type LocalServices } from './local-services.js'
import { startCognitoShim, type CognitoShim } from '../../src/local/cognito-shim.js'
import { build } from './build.js'

export interface CognitoCall { op: string, at: number, attempt: number }

/** The SDK's retry middleware numbers each attempt in this header (`attempt=2; max=3`) before ours sees the request. */
function attemptOf (args: unknown): number {
  const header = (args as { request?: { headers?: Record<string, string> } }).request?.headers?.['amz-sdk-request']
  const n = Number(/attempt=(\d+)/.exec(header ?? '')?.[1])
  return Number.isInteger(n) && n >= 1 ? n : 1
}

/**
 * Records every attempt the admin client puts on the wire (below the retry and rate-limit middlewares), and lets a
 * test fail chosen attempts, e.g. with a TooManyRequestsException. `calls`/`count` are the commands the code sent
 * (first attempts): an SDK retry of a call that failed in transit is not a second call by the code, and counting it
 * made exact counts flaky under load. `attempts`/`attemptCount` are every attempt, for retry and pacing checks (each
 * attempt spends Cognito quota).
 */
export function recordCognitoCalls (cognito: UserPoolClient, fault?: (op: string) => void) {
  const attempts: CognitoCall[] = []
  const name = `testRecorder-${randomUUID()}`
  const middleware = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    const op = (context.commandName ?? 'unknown').replace(/Command$/, '')
    attempts.push({ op, at: Date.now(), attempt: attemptOf(args) })
    fault?.(op)
    return await next(args)
  }
  cognito.client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: RATE_LIMIT_MIDDLEWARE, name } as never)
  const firsts = () => attempts.filter(c => c.attempt === 1)
  return {
    get calls () { return firsts() },
    attempts,
    count: (op?: string) => firsts().filter(c => op === undefined || c.op === op).length,
    attemptCount: (op?: string) => attempts.filter(c => op === undefined || c.op === op).length,
    reset: () => { attempts.length = 0 }
  }
}

/**
 * Makes the app's next DynamoDB command that `matches` (its class name and input) fail once, before it is sent: a crash
 * at that point of a multi-step write, with nothing written by that command.
 */
export function failDynamoOnce (dynamo: { doc: { send: (command: never) => Promise<unknown> } }, matches: (name: string, input: Record<string, unknown>) => boolean) {
  const doc = dynamo.doc as unknown as { send: (command: { constructor: { name: string }, input: Record<string, unknown> }) => Promise<unknown> }
  const send = doc.send.bind(doc)
  let armed = true
  doc.send = async (command) => {
    if (armed && matches(command.constructor.name, command.input)) { armed = false; throw new Error(`crash in DynamoDB at ${command.constructor.name}`) }
    return await send(command)
  }
}

/** Makes the app's next call of Cognito operation `op` fail once, before it goes out (nothing changes in Cognito). */
export function failCognitoOnce (cognito: UserPoolClient, op: string) {
  let armed = true
  recordCognitoCalls(cognito, called => { if (armed && called === op) { armed = false; throw new Error(`crash at ${op}`) } })
}

export function throttlingError () {
  return Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $fault: 'client', $metadata: { httpStatusCode: 400 } })
}

export interface UsersStack {
  services: LocalServices
  shim: CognitoShim
  env: Record<string, string>
  app: (t: Test, env?: Record<string, string>, opts?: AppOptions) => ReturnType<typeof build>
  /** Plays the invited user choosing a password (hosted UI), then signs in: an access token. */
  activate: (email: string, userId: string) => Promise<string>
  platformAdminToken: () => Promise<string>
  bearer: (token: string) => { authorization: string }
}

export const PASSWORD = 'Passw0rd!Passw0rd'

export async function startUsersStack (t: Test): Promise<UsersStack> {
  const services = await startServices(t)
  // The same shim `npm run dev` puts in front of cognito-local (src/local/stack.ts).
  const shim = await startCognitoShim(services.cognitoEndpoint)
  t.teardown(shim.close)
  const env = {
    ...services.env,
    COGNITO_ENDPOINT: shim.endpoint,
    MEMBERSHIP_CACHE_TTL_SECONDS: '30',
    LOG_LEVEL: 'silent'
  }
  let platformToken: string | undefined
  return {
    services,
    shim,
    env,
    app: async (tt, extra = {}, opts = {}) => await build(tt, { ...env, ...extra }, opts),
    async activate (email, userId) {
      // cognito-local keys users on the Username it returned (the sub); real Cognito accepts either.
      await services.cognitoClient.send(new AdminSetUserPasswordCommand({ UserPoolId: services.userPoolId, Username: userId, Password: PASSWORD, Permanent: true }))
      return (await services.signIn({ email, password: PASSWORD })).accessToken
    },
    async platformAdminToken () {
      if (platformToken) return platformToken
      const email = `operator-${randomUUID().slice(0, 8)}@example.com`
      await services.createUser({ email, password: PASSWORD, groups: ['platform-admins'] })
      platformToken = (await services.signIn({ email, password: PASSWORD })).accessToken
      return platformToken
    },
    bearer: token => ({ authorization: `Bearer ${token}` })
  }
}
