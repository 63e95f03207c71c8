// The user-management and tenant-onboarding services, built once over the Cognito admin client and DynamoDB.
import fp from 'fastify-plugin'
import { createUserAdmin, type UserAdminFaults } from '../src/services/user-admin.js'
import { createTenantAdmin } from '../src/services/tenant-admin.js'

/** What plugins/tenant may expose for immediate revocation on this instance (its membership and tenant caches). */
interface TenantCacheLike { evict?: (userId: string) => void, evictTenant?: (tenantId: string) => void }

declare module 'fastify' {
  interface FastifyInstance {
    userAdmin: ReturnType<typeof createUserAdmin>
    tenantAdmin: ReturnType<typeof createTenantAdmin>
  }
}

export default fp<{ faults?: UserAdminFaults }>(async function userAdmin (app, opts) {
  const cache = () => (app as unknown as { tenantCache?: TenantCacheLike }).tenantCache
  const users = createUserAdmin({
    dynamo: app.dynamo,
    cognito: app.cognito,
    evictMembership: userId => cache()?.evict?.(userId),
    faults: opts.faults
  })
  app.decorate('userAdmin', users)
  app.decorate('tenantAdmin', createTenantAdmin({ dynamo: app.dynamo, userAdmin: users, evictTenant: tenantId => cache()?.evictTenant?.(tenantId) }))
}, { name: 'user-admin', dependencies: ['cognito', 'dynamodb'] })
