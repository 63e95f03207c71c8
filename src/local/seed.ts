// Seeds a demo tenant and demo users into the local stack; safe to run again on the same data.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { PLATFORM_GROUPS, TENANT_GROUPS, type Group, type PlatformGroup, type Tenant, type TenantGroup } from '../domain/model.js'
import { keys, normalizeEmail } from '../repositories/keys.js'
import { transact } from '../repositories/transact.js'
import { membershipLedger } from '../services/users/ledger.js'
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
  const ledger = membershipLedger({ dynamo: { doc: dynamo, tableName } })
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
    // A re-run keeps what exists (and any changes made since).
    if (await exists(dynamo, tableName, keys.membership(demo.tenantId, userId))) continue
    const person = { userId, username, email: normalizeEmail(demo.email) }
    // The same items a self sign-up writes (ledger.foundingItems) for the tenant's admin; a member joins it as an
    // invite would, already accepted.
    await transact(dynamo, demo.groups.includes('admins')
      ? ledger.foundingItems(tenant, person)
      : [
          ...ledger.addItems({ tenantId: demo.tenantId, ...person, groups: demo.groups.filter(isTenantGroup), status: 'active', createdAt: now, updatedAt: now, cognitoUsername: username }),
          ledger.ownedEmailItem(person, now)
        ])
  }
  return { tenant: { ...DEMO_TENANT }, users }
}

async function exists (dynamo: DynamoDBDocumentClient, tableName: string, key: Record<string, unknown>): Promise<boolean> {
  return (await dynamo.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item !== undefined
}

function isPlatformGroup (group: Group): group is PlatformGroup {
  return (PLATFORM_GROUPS as readonly string[]).includes(group)
}

function isTenantGroup (group: Group): group is TenantGroup {
  return (TENANT_GROUPS as readonly string[]).includes(group)
}
