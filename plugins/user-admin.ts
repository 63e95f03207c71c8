// The user-management and tenant-onboarding services, built once over the Cognito admin client and DynamoDB.
import fp from 'fastify-plugin'
import { createUserAdmin, type UserAdminFaults } from '../src/services/user-admin.js'
import { createTenantAdmin } from '../src/services/tenant-admin.js'

declare module 'fastify' {
  interface FastifyInstance {
    userAdmin: ReturnType<typeof createUserAdmin>
    tenantAdmin: ReturnType<typeof createTenantAdmin>
  }
}

export default fp<{ faults?: UserAdminFaults }>(async function userAdmin (app, opts) {
  const users = createUserAdmin({
    dynamo: app.dynamo,
    cognito: app.cognito,
    // plugins/tenant caches resolved memberships: a revocation evicts on this instance at once (others within the TTL).
    evictMembership: userId => app.tenantCache.evict(userId),
    faults: opts.faults
  })
  app.decorate('userAdmin', users)
  app.decorate('tenantAdmin', createTenantAdmin({ dynamo: app.dynamo, userAdmin: users, evictTenant: tenantId => app.tenantCache.evictTenant(tenantId) }))
}, { name: 'user-admin', dependencies: ['cognito', 'dynamodb', 'tenant'] })
