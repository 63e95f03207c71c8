// Two-tenant integration stack: DynamoDB Local + a test issuer + the app built on them, and seeding of tenants and memberships.
import type { Test } from 'tap'
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { AppOptions } from '../../src/app.js'
import type { Invitation, Membership, MembershipStatus, TenantGroup, TenantStatus } from '../../src/domain/model.js'
import { keys } from '../../src/repositories/keys.js'
import { membershipItem } from '../../src/repositories/memberships.js'
import { tenantItem } from '../../src/repositories/tenants.js'
import { build } from './build.js'
import { startDynamo, type LocalDynamo } from './local-services.js'
import { issuerFor, type TestIssuer, type TokenOptions } from './issuer.js'

export interface Stack {
  ddb: LocalDynamo
  idp: TestIssuer
  /** Builds an app against this stack (closed when `t` ends). */
  app: (t: Test, env?: Record<string, string>, opts?: AppOptions, beforeReady?: Parameters<typeof build>[3]) => ReturnType<typeof build>
  tenant: (tenantId: string, status?: TenantStatus) => Promise<void>
  member: (tenantId: string, userId: string, groups: TenantGroup[], status?: MembershipStatus, invitation?: Invitation) => Promise<void>
  setMemberStatus: (tenantId: string, userId: string, status: MembershipStatus) => Promise<void>
  setMemberGroups: (tenantId: string, userId: string, groups: TenantGroup[]) => Promise<void>
  removeMember: (tenantId: string, userId: string) => Promise<void>
  setTenantStatus: (tenantId: string, status: TenantStatus) => Promise<void>
  /** `authorization` header for a token with these claims. */
  auth: (o: TokenOptions) => { authorization: string }
}

/** The two tenants most tests put side by side. */
export const A = 'tenant-a'
export const B = 'tenant-b'

/** Starts the stack with `tenants` already there, active. */
export async function startStack (t: Test, tenants: string[] = []): Promise<Stack> {
  const ddb = await startDynamo(t)
  const idp = await issuerFor(t)
  const TableName = ddb.tableName
  const now = () => new Date().toISOString()
  const put = async (Item: Record<string, unknown>) => { await ddb.doc.send(new PutCommand({ TableName, Item })) }
  const update = async (Key: Record<string, string>, field: string, value: unknown) => {
    await ddb.doc.send(new UpdateCommand({ TableName, Key, UpdateExpression: 'SET #f = :v', ExpressionAttributeNames: { '#f': field }, ExpressionAttributeValues: { ':v': value } }))
  }
  const stack: Stack = {
    ddb,
    idp,
    app: async (tt, env = {}, opts = {}, beforeReady) => await build(tt, { ...idp.env, ...ddb.env, ...env }, opts, beforeReady),
    tenant: async (tenantId, status = 'active') => { await put(tenantItem({ tenantId, name: `Tenant ${tenantId}`, status, createdAt: now(), updatedAt: now() })) },
    member: async (tenantId, userId, groups, status = 'active', invitation) => {
      const m: Membership = { tenantId, userId, email: `${userId}@example.com`, groups, status, createdAt: now(), updatedAt: now(), ...(invitation ? { invitation } : {}) }
      await put(membershipItem(m))
    },
    setMemberStatus: async (tenantId, userId, status) => { await update(keys.membership(tenantId, userId), 'status', status) },
    setMemberGroups: async (tenantId, userId, groups) => { await update(keys.membership(tenantId, userId), 'groups', groups) },
    removeMember: async (tenantId, userId) => { await ddb.doc.send(new DeleteCommand({ TableName, Key: keys.membership(tenantId, userId) })) },
    setTenantStatus: async (tenantId, status) => { await update(keys.tenant(tenantId), 'status', status) },
    auth: (o) => ({ authorization: `Bearer ${idp.token(o)}` })
  }
  for (const tenantId of tenants) await stack.tenant(tenantId)
  return stack
}

/**
 * Tenants A and B's people: alice (admin) and `member` in A, bob (admin) in B. Their authorization headers carry their
 * groups in the token, and `ops` is a platform operator's (a token claim only: no membership).
 */
export async function seedTwoTenants (stack: Stack, member = 'mike') {
  await stack.member(A, 'alice', ['admins'])
  await stack.member(A, member, ['members'])
  await stack.member(B, 'bob', ['admins'])
  return {
    alice: stack.auth({ sub: 'alice', groups: ['admins'] }),
    member: stack.auth({ sub: member, groups: ['members'] }),
    bob: stack.auth({ sub: 'bob', groups: ['admins'] }),
    ops: stack.auth({ sub: 'ops', groups: ['platform-admins'] })
  }
}
