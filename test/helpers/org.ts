// Shared steps of the tenant and user-management tests: onboard a tenant with a signed-in admin, invite and accept,
// read Cognito's view of a user, a tenant's audit trail and the tenant records by name.
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { AdminGetUserCommand, AdminListGroupsForUserCommand, ListUsersCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb'
import { keys } from '../../src/repositories/keys.js'
import { startUsersStack, type UsersStack } from './users-stack.js'

export type Auth = { authorization: string }
type App = Awaited<ReturnType<UsersStack['app']>>

export const uniq = () => randomUUID().slice(0, 8)
export const inTenant = (auth: Auth, tenantId: string) => ({ ...auth, 'x-tenant-id': tenantId })
export const sleep = async (ms: number) => await new Promise(resolve => setTimeout(resolve, ms))

export interface AuditItem { auditId: string, actor: string, action: string, target: string, at: string, details?: Record<string, unknown> }

/** An audit entry without its generated id and time, after checking those are there. */
export function entryOf (t: Test, e: AuditItem | undefined) {
  if (!e) return undefined
  const { auditId, at, ...rest } = e
  t.match({ auditId, at }, { auditId: /\S/, at: /^\d{4}-\d\d-\d\dT/ })
  return rest
}

/** Cognito's view of a user (by Username: cognito-local's is the sub) with its Cognito groups, or null when there is none. */
export function cognitoUserReader (client: CognitoIdentityProviderClient, userPoolId: string) {
  return async (username: string) => {
    try {
      const u = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }))
      const groups = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: u.Username }))
      const attr = (name: string) => u.UserAttributes?.find(a => a.Name === name)?.Value
      return {
        username: u.Username,
        tenantId: attr('custom:tenant_id'),
        email: attr('email'),
        status: u.UserStatus,
        enabled: u.Enabled,
        groups: (groups.Groups ?? []).map(g => g.GroupName).sort()
      }
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return null
      throw err
    }
  }
}

export function orgHelpers (stack: UsersStack, app: App, operator: Auth) {
  const { services } = stack
  const { documentClient, tableName: TableName } = services
  /** POST /users, which must answer 201; without `groups` the request names none (the API's default applies). */
  async function invite (auth: Auth, email: string, groups?: string[], via = app) {
    const res = await via.inject({ method: 'POST', url: '/users', headers: auth, payload: { email, ...(groups ? { groups } : {}) } })
    if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`)
    return res.json() as { userId: string, status: 'invited', invitation: { expiresAt: string } }
  }
  return {
    cognitoUser: cognitoUserReader(services.cognitoClient, services.userPoolId),
    async usersWithEmail (email: string) {
      return (await services.cognitoClient.send(new ListUsersCommand({ UserPoolId: services.userPoolId, Filter: `email = "${email}"` }))).Users ?? []
    },
    /** A new tenant (POST /tenants) whose first admin has signed in. */
    async onboard (name = `Tenant ${uniq()}`) {
      const adminEmail = `admin-${uniq()}@example.com`
      const res = await app.inject({ method: 'POST', url: '/tenants', headers: operator, payload: { name, adminEmail } })
      if (res.statusCode !== 201) throw new Error(`onboarding failed: ${res.statusCode} ${res.body}`)
      const body = res.json() as { tenantId: string, admin: { userId: string } }
      return { tenantId: body.tenantId, name, adminId: body.admin.userId, adminEmail, auth: stack.bearer(await stack.activate(adminEmail, body.admin.userId)) }
    },
    invite,
    /** POST /users of a new address, which must answer 201. */
    async inviteNew (auth: Auth, groups?: string[]) {
      const email = `user-${uniq()}@example.com`
      return { ...(await invite(auth, email, groups)), email }
    },
    /** The invitee chooses a password and makes their first request, which accepts the invitation. */
    async accepted<M extends { email: string, userId: string }> (m: M) {
      const token = stack.bearer(await stack.activate(m.email, m.userId))
      const res = await app.inject({ url: '/orders', headers: token })
      if (res.statusCode !== 200) throw new Error(`first request failed: ${res.statusCode} ${res.body}`)
      return { ...m, token }
    },
    /** The tenant's audit trail as its admin reads it (GET /audit, newest first), for one target and optionally one action. */
    async auditFor (auth: Auth, target: string, action?: string): Promise<AuditItem[]> {
      const res = await app.inject({ method: 'GET', url: '/audit?limit=100', headers: auth })
      if (res.statusCode !== 200) throw new Error(`audit failed: ${res.statusCode} ${res.body}`)
      const items = res.json().items as AuditItem[]
      return items.filter(e => e.target === target && (action === undefined || e.action === action))
    },
    /** The tenant's audit items as stored, read from the table (whatever the API would show). */
    async auditItems (tenantId: string) {
      return (await documentClient.send(new QueryCommand({
        TableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)', ExpressionAttributeValues: { ':pk': keys.tenantPk(tenantId), ':a': 'AUDIT#' }
      }))).Items ?? []
    },
    /** Every tenant record with this name, read from the table (a strongly consistent scan: any tenant item at all). */
    async tenantsNamed (name: string) {
      return (await documentClient.send(new ScanCommand({
        TableName,
        FilterExpression: 'SK = :sk AND #n = :n',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':sk': 'TENANT', ':n': name },
        ConsistentRead: true
      }))).Items ?? []
    }
  }
}

/** The user-management stack, an app on it, a platform operator, and the helpers above bound to them. */
export async function startOrg (t: Test) {
  const stack = await startUsersStack(t)
  const app = await stack.app(t)
  const operator = stack.bearer(await stack.platformAdminToken())
  return { stack, services: stack.services, item: stack.services.item, app, operator, ...orgHelpers(stack, app, operator) }
}
