// The caller's own tenant, for its admins: rename it (operators rename any tenant through /tenants/:id).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { TENANT_STATUSES } from '../../src/domain/model.js'
import { TenantNameSchema } from '../../src/domain/tenant-name.js'
import { problemResponses } from '../../src/http/problem.js'
import { actorOf, tenantScopeOf } from '../../src/http/request-context.js'
import { statusSchema } from '../../src/http/schemas.js'

const OwnTenant = Type.Object({ tenantId: Type.String(), name: Type.String(), status: statusSchema(TENANT_STATUSES), createdAt: Type.String(), updatedAt: Type.String() })

const tenant: FastifyPluginAsyncTypebox = async (app) => {
  app.patch('/tenant', {
    // The tenant is the request's (X-Tenant-Id or the token's), confirmed by an active admin membership: never the body's.
    config: { auth: { groups: ['admins'], tenant: 'required' } },
    schema: {
      tags: ['tenant'],
      summary: 'Rename the caller\'s tenant (its admins; audited tenant.updated). Status stays with operators',
      security: [{ bearerAuth: [] }],
      body: Type.Object({ name: TenantNameSchema }, { additionalProperties: false }),
      response: { 200: OwnTenant, ...problemResponses(400, 401, 403, 404, 409, 429, 503) }
    }
  }, async (request) => {
    const { tenantId } = tenantScopeOf(request)
    return await app.services.onboarding.update(tenantId, { name: request.body.name }, await actorOf(request, app.memberView))
  })
}
export default tenant
