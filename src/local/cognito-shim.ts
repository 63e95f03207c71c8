// A thin forwarding proxy in front of cognito-local that answers the two admin operations it lacks, as Cognito documents them.
//
// `npm run dev` (src/local/stack.ts) and the integration tests (test/helpers/users-stack.ts) both put it between the API
// and cognito-local, so disable, removal and resend work locally as in production. Chosen over aws-sdk-client-mock so
// the production code path runs end to end against a real user store: the shim only fills in AdminUserGlobalSignOut
// (200 {} for an existing user, UserNotFoundException otherwise; AdminDisableUser and AdminDeleteUser already revoke
// the user's tokens in cognito-local) and AdminCreateUser with MessageAction RESEND (the existing user while it is
// FORCE_CHANGE_PASSWORD, else UnsupportedUserStateException), deciding from the emulator's own AdminGetUser.
// Everything else is forwarded verbatim.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUserGlobalSignOut.html
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const PREFIX = 'AWSCognitoIdentityProviderService.'

export interface CognitoShim {
  /** http://127.0.0.1:<port>: give it to the API as COGNITO_ENDPOINT. */
  endpoint: string
  port: number
  /** Operations answered by the shim itself, in order. */
  answered: string[]
  /** Idempotent. */
  close: () => Promise<void>
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts the shim in front of `upstream` (cognito-local's endpoint); `port` defaults to a free one. */
export async function startCognitoShim (upstream: string, options: { port?: number } = {}): Promise<CognitoShim> {
  const answered: string[] = []
  const forward = async (target: string, body: string, headers: IncomingMessage['headers']) => {
    const res = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': String(headers['content-type'] ?? 'application/x-amz-json-1.1'), 'x-amz-target': `${PREFIX}${target}` },
      body
    })
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? 'application/x-amz-json-1.1' }
  }
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(typeof body === 'string' ? body : JSON.stringify(body))
  }
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const target = String(req.headers['x-amz-target'] ?? '').replace(PREFIX, '')
      const input = body ? JSON.parse(body) as Record<string, unknown> : {}
      if (target === 'AdminUserGlobalSignOut' || (target === 'AdminCreateUser' && input.MessageAction === 'RESEND')) {
        answered.push(target === 'AdminCreateUser' ? 'AdminCreateUser:RESEND' : target)
        const got = await forward('AdminGetUser', JSON.stringify({ UserPoolId: input.UserPoolId, Username: input.Username }), req.headers)
        if (got.status !== 200) return send(res, got.status, got.text)
        if (target === 'AdminUserGlobalSignOut') return send(res, 200, {})
        const user = JSON.parse(got.text) as Record<string, unknown>
        if (user.UserStatus !== 'FORCE_CHANGE_PASSWORD') {
          return send(res, 400, { __type: 'UnsupportedUserStateException', message: 'User has already confirmed their account' })
        }
        return send(res, 200, { User: { Username: user.Username, Attributes: user.UserAttributes, UserStatus: user.UserStatus, Enabled: user.Enabled, UserCreateDate: user.UserCreateDate } })
      }
      const out = await forward(target, body, req.headers)
      res.writeHead(out.status, { 'content-type': out.type }).end(out.text)
    })().catch(err => { send(res, 500, { __type: 'InternalErrorException', message: String(err) }) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  let closed: Promise<void> | undefined
  const close = async () => {
    closed ??= new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) })
    await closed
  }
  const port = (server.address() as AddressInfo).port
  return { endpoint: `http://127.0.0.1:${port}`, port, answered, close }
}
