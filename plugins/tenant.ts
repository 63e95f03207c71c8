// Tenant resolution: turns the verified principal into request.tenant. (Foundation placeholder: no tenant is ever resolved.)
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TenantContext } from '../src/domain/tenant-scope.js'
import type { Config } from '../src/config.js'
import { ForbiddenError } from '../src/domain/errors.js'

declare module 'fastify' {
  interface FastifyRequest { tenant: TenantContext | null }
  interface FastifyInstance { resolveTenant: (request: FastifyRequest, reply: FastifyReply, required: boolean) => Promise<void> }
}

export default fp<{ config: Config }>(async function tenant (app) {
  app.decorateRequest('tenant', null)
  app.decorate('resolveTenant', async function resolveTenant (_request: FastifyRequest, _reply: FastifyReply, required: boolean) {
    if (required) throw new ForbiddenError('No tenant')
  })
}, { name: 'tenant', dependencies: ['auth', 'dynamodb'] })
