// Shared steps of the organization tests: onboard a tenant with a signed-in admin, invite, read Cognito's view of a user.
import { randomUUID } from 'node:crypto'
import { AdminGetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider'
import type { UsersStack } from './users-stack.js'

export type Auth = { authorization: string }
type App = Awaited<ReturnType<UsersStack['app']>>

export const uniq = () => randomUUID().slice(0, 8)
export const inTenant = (auth: Auth, tenantId: string) => ({ ...auth, 'x-tenant-id': tenantId })
export const sleep = async (ms: number) => await new Promise(resolve => setTimeout(resolve, ms))

export function orgHelpers (stack: UsersStack, app: App, operator: Auth) {
  const { services } = stack
  return {
    /** Cognito's view of a user (by Username: cognito-local's is the sub), or null when there is none. */
    async cognitoUser (username: string) {
      try {
        const u = await services.cognitoClient.send(new AdminGetUserCommand({ UserPoolId: services.userPoolId, Username: username }))
        const attr = (name: string) => u.UserAttributes?.find(a => a.Name === name)?.Value
        return { tenantId: attr('custom:tenant_id'), email: attr('email'), status: u.UserStatus, enabled: u.Enabled }
      } catch (err) {
        if ((err as Error).name === 'UserNotFoundException') return null
        throw err
      }
    },
    async usersWithEmail (email: string) {
      return (await services.cognitoClient.send(new ListUsersCommand({ UserPoolId: services.userPoolId, Filter: `email = "${email}"` }))).Users ?? []
    },
    /** A new tenant (POST /tenants) whose first admin has signed in. */
    async onboard () {
      const name = `Tenant ${uniq()}`
      const adminEmail = `admin-${uniq()}@example.com`
      const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
      if (res.statusCode !== 201) throw new Error(`onboarding failed: ${res.statusCode} ${res.body}`)
      const body = res.json() as { tenantId: string, admin: { userId: string } }
      return { tenantId: body.tenantId, name, adminId: body.admin.userId, adminEmail, auth: stack.bearer(await stack.activate(adminEmail, body.admin.userId)) }
    },
    /** POST /users, which must answer 201. */
    async invite (auth: Auth, email: string, groups = ['members'], via = app) {
      const res = await via.inject({ method: 'POST', url: '/users', headers: auth, payload: { email, groups } })
      if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`)
      return res.json() as { userId: string, status: 'invited', invitation: { expiresAt: string } }
    }
  }
}
