// The data every bench server agrees on: the seeded tenant and member, and the /me body the app returns for them.
// Kept free of heavy imports: the bare servers load it too.

export const TENANT_ID = 'bench'
/** The subject of every bench token, a member of TENANT_ID. */
export const USER_ID = 'user-123'
export const GROUPS = ['members'] as const

/** What the app's GET /me answers for a bench token (the membership confirms the tenant and supplies the groups). */
export const TENANT_NAME = 'Bench'
export const ME = {
  userId: USER_ID,
  username: 'alice@example.com',
  // The membership's address (bench/stack.ts seeds it): the app answers it from the cached tenant list.
  email: 'alice@example.com' as string | null,
  tenantId: TENANT_ID,
  groups: [...GROUPS],
  scopes: ['aws.cognito.signin.user.admin'],
  tenants: [{ tenantId: TENANT_ID, name: TENANT_NAME, groups: [...GROUPS] }],
  platformRoles: [] as string[]
}

/** What an authentication-only /me answers for a bench token: the principal alone, no tenant resolved. */
export const ME_FROM_TOKEN = { ...ME, email: null, tenantId: null, groups: [], tenants: [] }
