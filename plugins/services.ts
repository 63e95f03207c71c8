// Wires once: decorates the app with the resources' repositories (app.repos) and the services the user, tenant and invitation routes call (app.services).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../src/config.js'
import { createTenantUsers, type TenantUsersFaults } from '../src/services/users/index.js'
import { createInvitations } from '../src/services/invitations.js'
import { createTenantOnboarding } from '../src/services/tenant-onboarding.js'
import { resourceRepositories, type ResourceRepositories } from '../src/resources.js'

function buildServices (app: FastifyInstance, config: Config, faults?: TenantUsersFaults) {
  // plugins/tenant caches resolved memberships: a revocation evicts on this instance at once (others within the TTL).
  const evictMembership = (userId: string) => app.tenantCache.evict(userId)
  const tenantUsers = createTenantUsers({ dynamo: app.dynamo, cognito: app.cognito, evictMembership, faults, invitationTtlSeconds: config.INVITATION_TTL_SECONDS })
  return {
    tenantUsers,
    invitations: createInvitations({ dynamo: app.dynamo, tenantUsers, evictMembership }),
    // A suspension takes effect at once on this instance (others within the TTL).
    onboarding: createTenantOnboarding({ dynamo: app.dynamo, tenantUsers, evictTenant: tenantId => app.tenantCache.evictTenant(tenantId) })
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    services: ReturnType<typeof buildServices>
    /** The repository of each tenant-scoped resource (src/resources.ts), e.g. app.repos.projects. */
    repos: ResourceRepositories
  }
}

export default fp<{ config: Config, faults?: TenantUsersFaults }>(async function services (app, opts) {
  app.decorate('repos', resourceRepositories(app.dynamo))
  app.decorate('services', buildServices(app, opts.config, opts.faults))
}, { name: 'services', dependencies: ['dynamodb', 'cognito', 'tenant'] })
