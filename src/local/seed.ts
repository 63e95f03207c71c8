// Seeds a demo tenant and demo users into the local stack; safe to run again on the same data.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { PLATFORM_GROUPS, TENANT_GROUPS, type Group, type Membership, type PlatformGroup, type Tenant, type TenantGroup } from '../domain/model.js'
import { normalizeEmail } from '../repositories/keys.js'
import { tenantItem } from '../repositories/tenants.js'
import { emailClaimItem, membershipItem, type EmailClaim } from '../repositories/memberships.js'
import { TABLE } from '../table.js'
import { createLocalUser } from './cognito-setup.js'

export interface SeedDemoOptions {
  dynamo: DynamoDBDocumentClient
  tableName: string
  cognito: CognitoIdentityProviderClient
  userPoolId: string
}

export interface DemoUser {
  role: 'admin' | 'member' | 'operator'
  email: string
  /** Local-only demo password, printed by `npm run dev`. */
  password: string
  userId: string
  groups: Group[]
  tenantId?: string
}

export interface DemoSeed {
  tenant: { tenantId: string, name: string }
  users: DemoUser[]
}

const DEMO_TENANT = { tenantId: 'demo', name: 'Demo Tenant' } as const

const DEMO_USERS: ReadonlyArray<Omit<DemoUser, 'userId'>> = [
  { role: 'admin', email: 'admin@demo.local', password: 'Demo-Passw0rd-Admin', groups: ['admins'], tenantId: DEMO_TENANT.tenantId },
  { role: 'member', email: 'member@demo.local', password: 'Demo-Passw0rd-Member', groups: ['members'], tenantId: DEMO_TENANT.tenantId },
  { role: 'operator', email: 'operator@platform.local', password: 'Demo-Passw0rd-Operator', groups: ['platform-admins'] }
]

export async function seedDemo ({ dynamo, tableName, cognito, userPoolId }: SeedDemoOptions): Promise<DemoSeed> {
  const now = new Date().toISOString()
  const tenant: Tenant = { ...DEMO_TENANT, status: 'active', createdAt: now, updatedAt: now }
  // The same shape POST /tenants writes: the tenant record with its admin count (the last-admin guard) ...
  const adminCount = DEMO_USERS.filter(u => u.tenantId === tenant.tenantId && u.groups.includes('admins')).length
  await putIfAbsent(dynamo, tableName, { ...tenantItem(tenant), adminCount })

  const users: DemoUser[] = []
  for (const demo of DEMO_USERS) {
    const { userId, username } = await createLocalUser(cognito, {
      userPoolId,
      email: demo.email,
      password: demo.password,
      // Only platform roles are Cognito groups; tenant roles live in the membership below.
      groups: demo.groups.filter(isPlatformGroup),
      tenantId: demo.tenantId,
      reuseExisting: true
    })
    users.push({ ...demo, userId })
    if (demo.tenantId === undefined) continue // the operator belongs to no tenant
    const membership: Membership = {
      tenantId: demo.tenantId,
      userId,
      email: demo.email,
      groups: demo.groups.filter(isTenantGroup),
      status: 'active',
      createdAt: now,
      updatedAt: now
    }
    // ... and per member, the membership plus the global email record that maps the address to its Cognito user.
    await putIfAbsent(dynamo, tableName, { ...membershipItem(membership), cognitoUsername: username })
    const claim: EmailClaim = { email: normalizeEmail(demo.email), status: 'user', userId, username, createdAt: now }
    await putIfAbsent(dynamo, tableName, emailClaimItem(claim))
  }
  return { tenant: { ...DEMO_TENANT }, users }
}

/** Writes the item unless it exists, so a re-run keeps the original createdAt and any changes made since. */
async function putIfAbsent (dynamo: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>): Promise<void> {
  try {
    await dynamo.send(new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey }
    }))
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
  }
}

function isPlatformGroup (group: Group): group is PlatformGroup {
  return (PLATFORM_GROUPS as readonly string[]).includes(group)
}

function isTenantGroup (group: Group): group is TenantGroup {
  return (TENANT_GROUPS as readonly string[]).includes(group)
}
