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

export async function startStack (t: Test): Promise<Stack> {
  const ddb = await startDynamo(t)
  const idp = await issuerFor(t)
  const TableName = ddb.tableName
  const now = () => new Date().toISOString()
  const put = async (Item: Record<string, unknown>) => { await ddb.doc.send(new PutCommand({ TableName, Item })) }
  const update = async (Key: Record<string, string>, field: string, value: unknown) => {
    await ddb.doc.send(new UpdateCommand({ TableName, Key, UpdateExpression: 'SET #f = :v', ExpressionAttributeNames: { '#f': field }, ExpressionAttributeValues: { ':v': value } }))
  }
  return {
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
}
